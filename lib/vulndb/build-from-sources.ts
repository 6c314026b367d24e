import { basename } from "node:path";
import type { Advisory, Enrichment } from "./advisory.js";
import { type BuildStats, buildDatabase } from "./db/db-writer.js";
import type { SourceInfo } from "./db/metadata.js";
import { importSource } from "./importers/index.js";

export interface SourceInput {
  /** A file or directory in any format the importers know. */
  path: string;
  /** Where it came from, for the DB metadata. */
  url?: string;
  fetchedAt?: string;
}

export interface BuildResult {
  stats: BuildStats;
  sources: SourceInfo[];
  warnings: string[];
}

/**
 * `db build`: imports every source (OSV exports, secdb, the Debian tracker, NVD, KEV, EPSS) and
 * writes one DB file. Bad records cost a warning each; at most `maxWarnings` are kept.
 */
export async function buildFromSources(
  inputs: readonly SourceInput[],
  out: string,
  options: { builtAt?: Date; maxWarnings?: number } = {},
): Promise<BuildResult> {
  const sources: SourceInfo[] = [];
  const warnings: string[] = [];
  const maxWarnings = options.maxWarnings ?? 200;
  let dropped = 0;

  async function* records(): AsyncGenerator<Advisory | Enrichment> {
    for (const input of inputs) {
      const source: SourceInfo = { name: basename(input.path), records: 0 };
      if (input.url) source.url = input.url;
      if (input.fetchedAt) source.fetchedAt = input.fetchedAt;
      for await (const item of importSource(input.path)) {
        if (item.warning) {
          if (warnings.length < maxWarnings) warnings.push(item.warning);
          else dropped += 1;
        }
        const record = item.advisory ?? item.enrichment;
        if (!record) continue;
        source.records = (source.records ?? 0) + 1;
        if (item.advisory && (!source.modified || item.advisory.modified > source.modified)) {
          source.modified = item.advisory.modified;
        }
        yield record;
      }
      sources.push(source);
    }
  }

  // The metadata lists the sources, known only once they are read: build from a buffered list.
  const all: Array<Advisory | Enrichment> = [];
  for await (const record of records()) all.push(record);
  const stats = await buildDatabase(all, out, {
    sources,
    ...(options.builtAt ? { builtAt: options.builtAt } : {}),
  });
  if (dropped > 0) warnings.push(`${dropped} more import warnings not shown`);
  return { stats, sources, warnings };
}
