import type { VulnDb } from "./db-reader.js";
import type { DbMetadata, EcosystemCounts, SourceInfo } from "./metadata.js";

export interface DbInfo {
  builtAt: string;
  /** Milliseconds since the DB was built (never negative). */
  ageMs: number;
  /** True when older than `staleAfterMs`: scans warn, they do not stop. */
  stale: boolean;
  schemaVersion: number;
  formatVersion: number;
  sizeBytes: number;
  sources: SourceInfo[];
  counts: DbMetadata["counts"];
  ecosystems: Array<{ ecosystem: string } & EcosystemCounts>;
}

export const DEFAULT_STALE_AFTER_MS = 24 * 60 * 60 * 1000;

/** What `portcullis db info` prints, from the metadata alone (no index or block reads). */
export function dbInfo(
  db: Pick<VulnDb, "metadata" | "size">,
  options: { now?: Date; staleAfterMs?: number } = {},
): DbInfo {
  const { metadata } = db;
  const now = (options.now ?? new Date()).getTime();
  const built = Date.parse(metadata.builtAt);
  const ageMs = Number.isNaN(built) ? Number.POSITIVE_INFINITY : Math.max(0, now - built);
  return {
    builtAt: metadata.builtAt,
    ageMs,
    stale: ageMs > (options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS),
    schemaVersion: metadata.schemaVersion,
    formatVersion: metadata.formatVersion,
    sizeBytes: db.size,
    sources: metadata.sources,
    counts: metadata.counts,
    ecosystems: Object.entries(metadata.counts.ecosystems).map(([ecosystem, counts]) => ({
      ecosystem,
      ...counts,
    })),
  };
}
