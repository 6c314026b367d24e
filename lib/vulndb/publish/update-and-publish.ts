import { join } from "node:path";
import type { PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { type Logger, silentLogger } from "../../logger.js";
import { EVENT_SOURCE } from "../../notify/scan-completed.js";
import { openDatabase, verifyDatabase } from "../db/db-reader.js";
import type { DbMetadata } from "../db/metadata.js";
import { openFileRangeSource } from "../db/range-source.js";
import type { DownloadOptions, FeedSpec } from "../update/download-feeds.js";
import { updateDatabase } from "../update/update-database.js";
import { type AdvisoryIndex, encodeIndex, indexDatabase } from "./advisory-index.js";
import type { DbBucket } from "./db-bucket.js";
import type { DbLayout, DbManifest } from "./db-manifest.js";
import { buildDbUpdatedDetail, DB_UPDATED_DETAIL_TYPE, type DbUpdatedDetail } from "./db-updated-event.js";
import { type DatabaseDiff, diffDatabases } from "./diff-databases.js";
import { publishDatabase, readAdvisoryIndex, readCurrentManifest } from "./publish-database.js";
import { type ValidationOptions, validateBuild } from "./validate-build.js";

export interface DbUpdateRun extends Pick<DownloadOptions, "fetch" | "retry"> {
  feeds: readonly FeedSpec[];
  /** Local scratch space (Lambda: under /tmp): feeds are downloaded and the DB built here. */
  workDir: string;
  bucket: DbBucket;
  layout: DbLayout;
  currentKey: string;
  keepVersions: number;
  validation?: ValidationOptions;
  events: { putEvent(entry: PutEventsRequestEntry): Promise<void> };
  now?: () => Date;
  logger?: Logger;
}

export interface DbUpdateOutcome {
  manifest: DbManifest;
  diff: DatabaseDiff;
  detail: DbUpdatedDetail;
  pruned: string[];
  warnings: number;
}

/**
 * One scheduled update: download and build (updateDatabase keeps the local DB on a failed or
 * truncated download), verify the whole file, validate against the published manifest, diff,
 * publish, then announce. Anything thrown before publishing leaves the bucket untouched.
 */
export async function updateAndPublish(run: DbUpdateRun): Promise<DbUpdateOutcome> {
  const logger = run.logger ?? silentLogger;
  const previous = await readCurrentManifest(run.bucket, run.layout);
  const dbPath = join(run.workDir, "portcullis.db");
  const built = await updateDatabase({
    feeds: run.feeds,
    feedsDir: join(run.workDir, "feeds"),
    dbPath,
    logger,
    ...(run.now ? { now: run.now } : {}),
    ...(run.fetch ? { fetch: run.fetch } : {}),
    ...(run.retry ? { retry: run.retry } : {}),
  });

  const source = await openFileRangeSource(dbPath);
  let index: AdvisoryIndex;
  let metadata: DbMetadata;
  try {
    await verifyDatabase(source);
    metadata = (await openDatabase(source)).metadata;
    validateBuild(metadata, previous, run.validation);
    index = await indexDatabase(source);
  } finally {
    await source.close?.();
  }

  const previousIndex = await readAdvisoryIndex(run.bucket, previous);
  if (previous && !previousIndex) {
    logger.warn("previous advisory index missing; every advisory is reported as added", {
      indexKey: previous.indexKey,
    });
  }
  const diff = diffDatabases(previousIndex, index);
  const { manifest, pruned } = await publishDatabase({
    bucket: run.bucket,
    layout: run.layout,
    currentKey: run.currentKey,
    dbPath,
    metadata,
    index: encodeIndex(index),
    ...(previous ? { previous } : {}),
    keepVersions: run.keepVersions,
  });
  logger.info("vulnerability DB published", {
    key: manifest.key,
    builtAt: manifest.builtAt,
    advisories: manifest.counts.advisories,
    ...diff.totals,
    pruned: pruned.length,
  });

  const detail = buildDbUpdatedDetail({
    bucket: run.bucket.bucket,
    currentKey: run.currentKey,
    manifestKey: run.layout.manifestKey,
    manifest,
    diff,
  });
  await run.events.putEvent({
    Source: EVENT_SOURCE,
    DetailType: DB_UPDATED_DETAIL_TYPE,
    Detail: JSON.stringify(detail),
  });
  return { manifest, diff, detail, pruned, warnings: built.warnings.length };
}
