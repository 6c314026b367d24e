import { EVENT_SOURCE, MAX_EVENT_ENTRY_BYTES } from "../../notify/scan-completed.js";
import type { DbManifest } from "./db-manifest.js";
import type { DatabaseDiff } from "./diff-databases.js";

export const DB_UPDATED_DETAIL_TYPE = "Portcullis DB Updated";

export interface EcosystemUpdate {
  /** Full counts, kept when the id lists are cut to fit the event. */
  addedCount: number;
  modifiedCount: number;
  removedCount: number;
  added: string[];
  modified: string[];
  removed: string[];
  /** True when any of the three lists holds fewer ids than its count. */
  truncated: boolean;
}

/** The `detail` of a `Portcullis DB Updated` event. */
export interface DbUpdatedDetail {
  version: 1;
  builtAt: string;
  previousBuiltAt?: string;
  bucket: string;
  /** The key the workers read (a copy of `versionKey`). */
  key: string;
  versionKey: string;
  manifestKey: string;
  sha256: string;
  size: number;
  schemaVersion: number;
  counts: { advisories: number; withdrawn: number; packages: number; enrichments: number };
  /** Distinct advisories; the per-ecosystem lists may name one advisory under several ecosystems. */
  changes: { added: number; modified: number; removed: number };
  ecosystems: Record<string, EcosystemUpdate>;
  /** True when any ecosystem's lists were cut to keep the event under EventBridge's limit. */
  truncated: boolean;
}

export interface DbUpdatedInput {
  bucket: string;
  currentKey: string;
  manifestKey: string;
  manifest: DbManifest;
  diff: DatabaseDiff;
}

/** Bytes EventBridge counts for one entry carrying this detail (Source, DetailType, Detail). */
export function dbUpdatedEntryBytes(detail: DbUpdatedDetail): number {
  return (
    Buffer.byteLength(EVENT_SOURCE) +
    Buffer.byteLength(DB_UPDATED_DETAIL_TYPE) +
    Buffer.byteLength(JSON.stringify(detail))
  );
}

/**
 * Builds the detail, cutting every id list to one common length, the longest that fits under
 * `maxBytes` (found by bisection), so a huge first build still sends every ecosystem's counts and
 * a sample of ids from each rather than all of one ecosystem and nothing of the rest.
 */
export function buildDbUpdatedDetail(
  input: DbUpdatedInput,
  maxBytes: number = MAX_EVENT_ENTRY_BYTES - 1024,
): DbUpdatedDetail {
  const { manifest, diff } = input;
  const lists = Object.values(diff.ecosystems).flatMap((c) => [c.added, c.modified, c.removed]);
  const longest = lists.reduce((max, list) => Math.max(max, list.length), 0);
  const at = (cap: number): DbUpdatedDetail => ({
    version: 1,
    builtAt: manifest.builtAt,
    ...(manifest.previous ? { previousBuiltAt: manifest.previous.builtAt } : {}),
    bucket: input.bucket,
    key: input.currentKey,
    versionKey: manifest.key,
    manifestKey: input.manifestKey,
    sha256: manifest.sha256,
    size: manifest.size,
    schemaVersion: manifest.schemaVersion,
    counts: {
      advisories: manifest.counts.advisories,
      withdrawn: manifest.counts.withdrawn,
      packages: manifest.counts.packages,
      enrichments: manifest.counts.enrichments,
    },
    changes: diff.totals,
    ecosystems: Object.fromEntries(
      Object.entries(diff.ecosystems).map(([ecosystem, changes]) => [
        ecosystem,
        {
          addedCount: changes.added.length,
          modifiedCount: changes.modified.length,
          removedCount: changes.removed.length,
          added: changes.added.slice(0, cap),
          modified: changes.modified.slice(0, cap),
          removed: changes.removed.slice(0, cap),
          truncated: Math.max(changes.added.length, changes.modified.length, changes.removed.length) > cap,
        },
      ]),
    ),
    truncated: longest > cap,
  });
  const whole = at(longest);
  if (dbUpdatedEntryBytes(whole) <= maxBytes) return whole;
  let lo = 0;
  let hi = longest - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (dbUpdatedEntryBytes(at(mid)) <= maxBytes) lo = mid;
    else hi = mid - 1;
  }
  const cut = at(lo);
  if (dbUpdatedEntryBytes(cut) > maxBytes) {
    // Only counts left: thousands of ecosystems would be needed to get here, but never send an oversize event.
    return { ...cut, ecosystems: {}, truncated: true };
  }
  return cut;
}
