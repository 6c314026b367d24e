import type { Advisory } from "../advisory.js";

/**
 * Joins two records with the same id that came from different files of one source (an Alpine or
 * Debian id appears once per release file): affected entries and aliases are concatenated, the
 * later `modified` wins. Records of different sources are not merged here: they stay separate
 * advisories linked by aliases.
 */
export function mergeAdvisories(a: Advisory, b: Advisory): Advisory {
  if (a.id !== b.id) throw new Error(`cannot merge ${a.id} with ${b.id}`);
  const aliases = [...new Set([...(a.aliases ?? []), ...(b.aliases ?? [])])];
  const affected = [...(a.affected ?? []), ...(b.affected ?? [])];
  return {
    ...a,
    // ISO timestamps compare as strings.
    modified: [a.modified, b.modified].sort()[1] as string,
    ...(aliases.length > 0 ? { aliases } : {}),
    ...(affected.length > 0 ? { affected } : {}),
    details: a.details ?? b.details,
  };
}
