import { existsSync } from "node:fs";
import { join } from "node:path";
import { LOCAL_BUCKET } from "../../lib/local/local-server.js";
import { openLocalStore } from "../../lib/local/local-store.js";
import { formatChange } from "../../lib/local/watch-change.js";
import { createWatchLoop, type TickResult } from "../../lib/local/watch-loop.js";
import type { ImageChange } from "../../lib/notify/image-change.js";
import { stderrLogger } from "../stderr-logger.js";
import { untilSignal } from "../until-signal.js";
import { UsageError } from "./scan.js";
import { defaultDataDir } from "./serve.js";

export const WATCH_FORMATS = ["text", "json"] as const;

export interface WatchCommandOptions {
  source: string[];
  dataDir?: string;
  /** Seconds between ticks. */
  interval: number;
  once?: boolean;
  webhook?: string;
  format: (typeof WATCH_FORMATS)[number];
}

/**
 * `portcullis watch`: rebuilds the DB when the source files change and re-matches the images
 * `portcullis serve` stored under the same data dir (not while serve runs: the emulators' files
 * are not shared). Changes go to stdout, one line (or one JSON object) per image; status to stderr.
 */
export async function runWatch(opts: WatchCommandOptions): Promise<void> {
  if (opts.webhook && !/^https?:\/\//.test(opts.webhook))
    throw new UsageError(`--webhook must be an http(s) URL, not ${JSON.stringify(opts.webhook)}`);
  if (opts.source.length === 0) throw new UsageError("watch needs at least one --source");
  const missing = opts.source.find((path) => !existsSync(path));
  if (missing !== undefined) throw new UsageError(`--source ${missing} does not exist`);
  const dataDir = opts.dataDir ?? defaultDataDir();
  const dbPath = join(dataDir, "watch", "portcullis.db");
  const logger = stderrLogger();
  const local = await openLocalStore(dataDir);
  const print = (change: ImageChange) =>
    process.stdout.write(`${opts.format === "json" ? JSON.stringify(change) : formatChange(change)}\n`);
  const loop = createWatchLoop({
    sources: opts.source,
    dbPath,
    store: local.store,
    blobs: local.blobs,
    bucket: LOCAL_BUCKET,
    onChange: print,
    logger,
    ...(opts.webhook ? { webhook: opts.webhook } : {}),
  });
  try {
    if (opts.once) {
      status(await loop.tick(), dbPath);
      return;
    }
    process.stderr.write(
      `portcullis watch: every ${opts.interval} s: ${opts.source.join(", ")} → ${dbPath}; images in ${dataDir}\n`,
    );
    loop.start(opts.interval * 1000);
    await untilSignal();
    process.stderr.write("portcullis watch: stopping\n");
    await loop.stop();
  } finally {
    await local.stop();
  }
}

/** What a --once run did, for cron logs; on stderr so stdout stays the changes alone. */
function status(result: TickResult, dbPath: string): void {
  const built = result.advisories
    ? `built ${dbPath} (${result.advisories.added} added, ${result.advisories.modified} modified, ${result.advisories.removed} removed advisories)`
    : "sources unchanged";
  process.stderr.write(
    `portcullis watch: ${built}; ${result.rematched} images re-matched, ${result.changes.length} changed` +
      `${result.failures.length > 0 ? `, ${result.failures.length} failed` : ""}\n`,
  );
}
