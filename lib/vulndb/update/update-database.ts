import { mkdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { PortcullisError } from "../../errors.js";
import { type Logger, silentLogger } from "../../logger.js";
import { buildFromSources } from "../build-from-sources.js";
import type { BuildStats } from "../db/db-writer.js";
import { type DownloadOptions, downloadFeeds, type FeedSpec } from "./download-feeds.js";

export class DbUpdateError extends PortcullisError {
  override name = "DbUpdateError";
}

export interface UpdateOptions extends DownloadOptions {
  feeds: readonly FeedSpec[];
  /** Where feeds are downloaded (kept between updates). */
  feedsDir: string;
  /** The DB file to replace. */
  dbPath: string;
  now?: () => Date;
  logger?: Logger;
}

/**
 * `db update`: downloads every feed, builds a new DB beside the current one and swaps it in with a
 * rename. If any feed cannot be had, or the build fails, the current DB stays as it was.
 */
export async function updateDatabase(
  options: UpdateOptions,
): Promise<{ stats: BuildStats; warnings: string[] }> {
  const logger = options.logger ?? silentLogger;
  const results = await downloadFeeds(options.feeds, options.feedsDir, options);
  const failed = results.filter((r) => r.error);
  if (failed.length > 0) {
    throw new DbUpdateError(
      `${failed.length} of ${results.length} feeds could not be downloaded (${failed
        .map((f) => `${f.name}: ${f.error}`)
        .join("; ")}); the current DB is kept`,
    );
  }
  const now = options.now?.() ?? new Date();
  // Built beside the current DB, so the swap is one rename on the same filesystem.
  await mkdir(dirname(options.dbPath), { recursive: true });
  const next = `${options.dbPath}.${process.pid}.next`;
  try {
    const built = await buildFromSources(
      results.map((r) => ({ path: r.file, ...(r.url ? { url: r.url } : {}), fetchedAt: now.toISOString() })),
      next,
      { builtAt: now },
    );
    await rename(next, options.dbPath);
    logger.info("vulnerability DB updated", {
      advisories: built.stats.advisories,
      bytes: built.stats.fileSize,
    });
    return { stats: built.stats, warnings: built.warnings };
  } catch (err) {
    await rm(next, { force: true });
    if (err instanceof PortcullisError) throw err;
    throw new DbUpdateError(
      `building the DB failed: ${err instanceof Error ? err.message : String(err)}; the current DB is kept`,
      {
        cause: err,
      },
    );
  }
}
