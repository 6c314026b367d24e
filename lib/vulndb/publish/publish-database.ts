import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { DbMetadata } from "../db/metadata.js";
import { type AdvisoryIndex, decodeIndex } from "./advisory-index.js";
import type { DbBucket } from "./db-bucket.js";
import { type DbLayout, type DbManifest, parseManifest, versionStamp } from "./db-manifest.js";

export interface PublishInput {
  bucket: DbBucket;
  layout: DbLayout;
  /** The key the workers read (VULN_DB_KEY): replaced by a copy of the new version. */
  currentKey: string;
  dbPath: string;
  metadata: DbMetadata;
  /** The encoded advisory index of the new build. */
  index: Buffer;
  previous?: DbManifest;
  /** Builds kept under the versions prefix, the new one included (at least 1). */
  keepVersions: number;
}

export interface PublishResult {
  manifest: DbManifest;
  /** Objects removed by pruning. */
  pruned: string[];
}

export async function readCurrentManifest(
  bucket: DbBucket,
  layout: DbLayout,
): Promise<DbManifest | undefined> {
  const bytes = await bucket.get(layout.manifestKey);
  return bytes ? parseManifest(bytes, `s3://${bucket.bucket}/${layout.manifestKey}`) : undefined;
}

/** The previous build's index, or undefined when it is gone (then the diff lists everything as added). */
export async function readAdvisoryIndex(
  bucket: DbBucket,
  manifest: DbManifest | undefined,
): Promise<AdvisoryIndex | undefined> {
  if (!manifest) return undefined;
  const bytes = await bucket.get(manifest.indexKey);
  return bytes ? decodeIndex(bytes) : undefined;
}

/**
 * Publishes in an order that never leaves a reader pointing at something missing: the versioned
 * DB, its index and manifest first; then the copy to the current key (what the workers open);
 * then the current manifest, so the manifest never names a build the current key does not hold;
 * old versions are pruned last, and a failed prune only leaves extra files.
 */
export async function publishDatabase(input: PublishInput): Promise<PublishResult> {
  const { bucket, layout, metadata, previous } = input;
  const key = layout.versionKey(metadata.builtAt);
  const manifest: DbManifest = {
    manifestVersion: 1,
    schemaVersion: metadata.schemaVersion,
    formatVersion: metadata.formatVersion,
    builtAt: metadata.builtAt,
    key,
    sha256: await hashFile(input.dbPath),
    size: (await stat(input.dbPath)).size,
    indexKey: layout.indexKey(metadata.builtAt),
    counts: metadata.counts,
    sources: metadata.sources,
    ...(previous
      ? { previous: { builtAt: previous.builtAt, key: previous.key, sha256: previous.sha256 } }
      : {}),
  };
  const manifestJson = `${JSON.stringify(manifest, null, 2)}\n`;
  await bucket.putFile(key, input.dbPath, manifest.sha256);
  await bucket.put(manifest.indexKey, input.index, "application/gzip");
  await bucket.put(layout.versionManifestKey(metadata.builtAt), manifestJson, "application/json");
  await bucket.copy(key, input.currentKey);
  await bucket.put(layout.manifestKey, manifestJson, "application/json");
  const pruned = await pruneVersions(bucket, layout, input.keepVersions, metadata.builtAt);
  return { manifest, pruned };
}

/** Deletes every object of builds older than the newest `keep`; the current build is never deleted. */
export async function pruneVersions(
  bucket: DbBucket,
  layout: DbLayout,
  keep: number,
  currentBuiltAt: string,
): Promise<string[]> {
  const byStamp = new Map<string, string[]>();
  for (const key of await bucket.list(layout.versionsPrefix)) {
    const name = key.slice(layout.versionsPrefix.length);
    const stamp = name.slice(0, name.indexOf(".") < 0 ? name.length : name.indexOf("."));
    byStamp.set(stamp, [...(byStamp.get(stamp) ?? []), key]);
  }
  const current = versionStamp(currentBuiltAt);
  // Stamps are ISO times with fixed-width fields: string order is time order.
  const stamps = [...byStamp.keys()].sort().reverse();
  const kept = new Set([current, ...stamps.slice(0, Math.max(1, keep))]);
  const pruned: string[] = [];
  for (const stamp of stamps) {
    if (kept.has(stamp)) continue;
    for (const key of byStamp.get(stamp) ?? []) {
      await bucket.delete(key);
      pruned.push(key);
    }
  }
  return pruned;
}

export async function hashFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
