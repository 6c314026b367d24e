import { z } from "zod";
import type { Advisory } from "../advisory.js";
import { normalizeEcosystem } from "./ecosystem.js";
import { parseYaml } from "./read-input.js";
import type { ImportItem } from "./types.js";

/**
 * Only the parts matching reads are validated; every other field is kept as published
 * (loose objects), so a newer schema version's additions pass through untouched.
 */
const eventSchema = z.union([
  z.looseObject({ introduced: z.string() }),
  z.looseObject({ fixed: z.string() }),
  z.looseObject({ last_affected: z.string() }),
  z.looseObject({ limit: z.string() }),
]);

const rangeSchema = z.looseObject({
  type: z.enum(["SEMVER", "ECOSYSTEM", "GIT"]),
  repo: z.string().optional(),
  events: z.array(eventSchema).min(1),
});

const affectedSchema = z.looseObject({
  package: z
    .looseObject({ ecosystem: z.string().min(1), name: z.string().min(1), purl: z.string().optional() })
    .optional(),
  ranges: z.array(rangeSchema).optional(),
  versions: z.array(z.string()).optional(),
});

export const osvRecordSchema = z.looseObject({
  id: z.string().min(1),
  modified: z.string().min(1),
  published: z.string().optional(),
  withdrawn: z.string().optional(),
  aliases: z.array(z.string()).nullish(),
  related: z.array(z.string()).nullish(),
  upstream: z.array(z.string()).nullish(),
  affected: z.array(affectedSchema).nullish(),
});

export type OsvParse = { advisory: Advisory } | { warning: string };

/** Validates one parsed record; `where` names it in the warning (file, line, entry). */
export function toAdvisory(value: unknown, where: string): OsvParse {
  const parsed = osvRecordSchema.safeParse(value);
  if (!parsed.success) {
    const id =
      value && typeof value === "object" && typeof (value as { id?: unknown }).id === "string"
        ? ` ${(value as { id: string }).id}`
        : "";
    const issue = parsed.error.issues[0];
    const detail = issue ? `${issue.path.join(".") || "record"}: ${issue.message}` : "invalid";
    return { warning: `${where}: skipped OSV record${id}: ${detail}` };
  }
  const record = parsed.data as unknown as Advisory;
  // null lists appear in some exports (Go's "aliases": null in old records); OSV means "none".
  for (const key of ["aliases", "related", "upstream", "affected"] as const) {
    if ((record as unknown as Record<string, unknown>)[key] === null) delete record[key];
  }
  for (const affected of record.affected ?? []) {
    if (affected.package) affected.package.ecosystem = normalizeEcosystem(affected.package.ecosystem);
  }
  return { advisory: record };
}

/** A .json or .yaml document holding one record or an array of records. */
export function* parseOsvText(text: string, where: string, yaml: boolean): Generator<ImportItem> {
  let value: unknown;
  try {
    value = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    yield { warning: `${where}: skipped: not valid ${yaml ? "YAML" : "JSON"} (${(err as Error).message})` };
    return;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) yield toAdvisory(item, `${where}[${i}]`);
  } else {
    yield toAdvisory(value, where);
  }
}
