import { STALE_AFTER_MS } from "../../lib/matching/add-vulnerabilities.js";
import { formatBytes } from "../../lib/report/table-writer.js";
import { buildFromSources } from "../../lib/vulndb/build-from-sources.js";
import { dbInfo } from "../../lib/vulndb/db/db-info.js";
import { openDatabaseFile } from "../../lib/vulndb/db/db-reader.js";
import { defaultFeeds, withMirrors } from "../../lib/vulndb/update/default-feeds.js";
import { updateDatabase } from "../../lib/vulndb/update/update-database.js";
import { stderrLogger } from "../stderr-logger.js";
import { defaultDbPath, defaultFeedsDir } from "../vulndb-path.js";

/** `db build --source <path>... [-o file]`: an offline build from files already on disk. */
export async function runDbBuild(opts: { source: string[]; output?: string }): Promise<void> {
  const out = opts.output ?? defaultDbPath();
  const { stats, warnings } = await buildFromSources(
    opts.source.map((path) => ({ path })),
    out,
  );
  for (const w of warnings) process.stderr.write(`portcullis: warning: ${w}\n`);
  process.stdout.write(
    `built ${out}: ${stats.advisories} advisories (${stats.withdrawn} withdrawn), ${stats.enrichments} enrichment records, ` +
      `${stats.packages} packages, ${formatBytes(stats.fileSize)} in ${(stats.millis / 1000).toFixed(1)} s\n`,
  );
}

/** `db update`: download the published feeds (mirrors first), build, swap in; the old DB survives failures. */
export async function runDbUpdate(opts: { db?: string; feedsDir?: string; mirror: string[] }): Promise<void> {
  const dbPath = opts.db ?? defaultDbPath();
  const { stats, warnings } = await updateDatabase({
    feeds: defaultFeeds(withMirrors(opts.mirror)),
    feedsDir: opts.feedsDir ?? defaultFeedsDir(),
    dbPath,
    logger: stderrLogger(),
  });
  for (const w of warnings.slice(0, 20)) process.stderr.write(`portcullis: warning: ${w}\n`);
  process.stdout.write(`updated ${dbPath}: ${stats.advisories} advisories, ${formatBytes(stats.fileSize)}\n`);
}

/** `db info`: age, sources and counts, from the metadata alone. */
export async function runDbInfo(opts: { db?: string; format: string }): Promise<void> {
  const db = await openDatabaseFile(opts.db ?? defaultDbPath());
  try {
    const info = dbInfo(db, { staleAfterMs: STALE_AFTER_MS });
    if (opts.format === "json") {
      process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
      return;
    }
    const days = (info.ageMs / 86_400_000).toFixed(1);
    const lines = [
      `Built:       ${info.builtAt} (${days} days ago${info.stale ? ", STALE: run `portcullis db update`" : ""})`,
      `Schema:      ${info.schemaVersion} (format ${info.formatVersion}), ${formatBytes(info.sizeBytes)}`,
      `Records:     ${info.counts.advisories} advisories (${info.counts.withdrawn} withdrawn), ${info.counts.packages} packages, ${info.counts.enrichments} enrichment records`,
      `Ecosystems:  ${info.ecosystems.length}`,
      "Sources:",
      ...info.sources.map(
        (s) => `  ${s.name}: ${s.records ?? "?"} records${s.modified ? `, newest ${s.modified}` : ""}`,
      ),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    await db.close();
  }
}
