import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { fetchWithRetry, type RetryOptions } from "../../http/retry.js";
import { type Logger, silentLogger } from "../../logger.js";

/** One published feed (an OSV export, Alpine secdb, the Debian tracker, NVD, KEV, EPSS). */
export interface FeedSpec {
  name: string;
  /** Mirrors, tried in order until one serves the whole file. */
  urls: string[];
  /** File name inside the download directory. */
  file: string;
  /** Refuse anything larger (a runaway or hostile mirror). */
  maxBytes?: number;
}

export interface FeedResult {
  name: string;
  file: string;
  url?: string;
  bytes?: number;
  error?: string;
}

export interface DownloadOptions {
  fetch?: typeof fetch;
  retry?: RetryOptions;
  logger?: Logger;
}

const DEFAULT_MAX_BYTES = 2 * 1024 ** 3;

/**
 * Downloads every feed into `dir`, each through a temporary file renamed only when complete, so a
 * failed or truncated download never leaves a half file that looks whole. A feed whose mirrors all
 * fail is reported in its result, not thrown: the caller decides whether to keep the old DB.
 */
export async function downloadFeeds(
  feeds: readonly FeedSpec[],
  dir: string,
  options: DownloadOptions = {},
): Promise<FeedResult[]> {
  await mkdir(dir, { recursive: true });
  const results: FeedResult[] = [];
  for (const feed of feeds) results.push(await downloadFeed(feed, dir, options));
  return results;
}

async function downloadFeed(feed: FeedSpec, dir: string, options: DownloadOptions): Promise<FeedResult> {
  const logger = options.logger ?? silentLogger;
  const doFetch = options.fetch ?? fetch;
  const target = join(dir, feed.file);
  const errors: string[] = [];
  for (const url of feed.urls) {
    const tmp = `${target}.${process.pid}.partial`;
    try {
      const response = await fetchWithRetry(() => doFetch(url, { redirect: "follow" }), options.retry);
      if (!response.ok || !response.body) {
        throw new Error(`HTTP ${response.status}`);
      }
      const expected = Number(response.headers.get("content-length") ?? Number.NaN);
      const counter = new ByteCounter(feed.maxBytes ?? DEFAULT_MAX_BYTES);
      await pipeline(
        Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>),
        counter,
        createWriteStream(tmp),
      );
      if (Number.isFinite(expected) && counter.bytes !== expected) {
        throw new Error(`truncated: ${counter.bytes} of ${expected} bytes`);
      }
      await rename(tmp, target);
      logger.info("feed downloaded", { feed: feed.name, url, bytes: counter.bytes });
      return { name: feed.name, file: target, url, bytes: counter.bytes };
    } catch (err) {
      await rm(tmp, { force: true });
      const message = err instanceof Error ? err.message : String(err);
      errors.push(`${url}: ${message}`);
      logger.warn("feed mirror failed", { feed: feed.name, url, error: message });
    }
  }
  return { name: feed.name, file: target, error: errors.join("; ") || "no mirror configured" };
}

class ByteCounter extends Transform {
  bytes = 0;
  constructor(private readonly max: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.max) cb(new Error(`larger than ${this.max} bytes`));
    else cb(null, chunk);
  }
}
