import type { DbMetadata } from "../db/metadata.js";
import { SCHEMA_VERSION } from "../db/metadata.js";
import type { DbManifest } from "./db-manifest.js";
import { DbValidationError } from "./errors.js";

export interface ValidationOptions {
  /** Refuse a build whose counts fell by more than this fraction of the previous build's (default 0.1). */
  maxDropRatio?: number;
  /**
   * Per-ecosystem drops are judged only where the previous build had at least this many advisories
   * (default 50): a small ecosystem losing two records is news, not a broken feed.
   */
  minEcosystemAdvisories?: number;
  /** The schema the deployed workers read; defaults to this code's. */
  expectedSchemaVersion?: number;
}

export const DEFAULT_MAX_DROP_RATIO = 0.1;

/**
 * Guards against publishing a build made from a feed that downloaded whole but held little (an
 * empty export, a mirror serving a stale or partial file). Throws DbValidationError with every
 * problem found, so one alarm says all of it.
 */
export function validateBuild(
  next: DbMetadata,
  previous: DbManifest | undefined,
  options: ValidationOptions = {},
): void {
  const expected = options.expectedSchemaVersion ?? SCHEMA_VERSION;
  if (next.schemaVersion !== expected) {
    throw new DbValidationError(
      `new DB has schema version ${next.schemaVersion}, the workers read ${expected}; not published`,
    );
  }
  // A schema change may count differently: the first build of a new schema sets the new baseline.
  if (!previous || previous.schemaVersion !== next.schemaVersion) return;
  const maxDrop = options.maxDropRatio ?? DEFAULT_MAX_DROP_RATIO;
  const minEcosystem = options.minEcosystemAdvisories ?? 50;
  const problems: string[] = [];
  const check = (what: string, before: number, after: number) => {
    if (before > 0 && (before - after) / before > maxDrop) {
      problems.push(`${what} fell from ${before} to ${after}`);
    }
  };
  check("advisories", previous.counts.advisories, next.counts.advisories);
  check("enrichment records", previous.counts.enrichments, next.counts.enrichments);
  const nextByBase = byBaseEcosystem(next.counts.ecosystems);
  for (const [ecosystem, before] of byBaseEcosystem(previous.counts.ecosystems)) {
    if (before < minEcosystem) continue;
    check(`${ecosystem} advisories`, before, nextByBase.get(ecosystem) ?? 0);
  }
  if (problems.length > 0) {
    throw new DbValidationError(
      `new DB lost more than ${Math.round(maxDrop * 100)}% against ${previous.builtAt}: ${problems.join("; ")}; not published`,
    );
  }
}

/** "Debian:11" and "Debian:12" add up to "Debian": a release dropping out of a feed is judged per distro. */
function byBaseEcosystem(counts: DbMetadata["counts"]["ecosystems"]): Map<string, number> {
  const out = new Map<string, number>();
  for (const [ecosystem, { advisories }] of Object.entries(counts)) {
    const base = ecosystem.split(":")[0] as string;
    out.set(base, (out.get(base) ?? 0) + advisories);
  }
  return out;
}
