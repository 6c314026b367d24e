import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3BlobStore } from "../../../lib/aws/s3-blob-store.js";
import { layerObjectKey, S3LayerCache } from "../../../lib/aws/s3-layer-cache.js";
import { layerCacheKey } from "../../../lib/layers/layer-cache.js";
import { LAYER_RESULT_SCHEMA, type LayerResult } from "../../../lib/layers/layer-result.js";
import type { Logger } from "../../../lib/logger.js";
import { type AwsEmulators, startAwsEmulators } from "../../helpers/aws-emulators.js";

const BUCKET = "portcullis-test";
let emulators: AwsEmulators;

beforeAll(async () => {
  emulators = await startAwsEmulators([BUCKET]);
});
afterAll(async () => {
  await emulators?.stop();
});

const layerResult: LayerResult = {
  schema: LAYER_RESULT_SCHEMA,
  diffID: `sha256:${"d".repeat(64)}`,
  paths: [{ path: "etc/os-release", type: "symlink", target: "../usr/lib/os-release" }],
  whiteouts: ["tmp/gone"],
  opaqueDirs: [],
  warnings: [],
  fileFacts: { setuidFiles: [], worldWritableDirs: [], packageCacheFiles: [] },
  pathIndex: "",
  complete: true,
  stats: { compression: "gzip", compressedBytes: 10, uncompressedBytes: 20, entries: 3, bufferedFiles: 1 },
};

function recordingLogger() {
  const warnings: string[] = [];
  const logger: Logger = { debug() {}, info() {}, warn: (m) => warnings.push(m), error() {} };
  return { logger, warnings };
}

describe("S3BlobStore", () => {
  it("puts and gets objects with SSE-S3 and under a prefix", async () => {
    const store = new S3BlobStore(emulators.s3Client(), { bucket: BUCKET, prefix: "reports/" });
    await store.put("a/report.json", '{"ok":true}', "application/json");
    expect((await store.get("a/report.json"))?.toString()).toBe('{"ok":true}');
    const raw = new S3BlobStore(emulators.s3Client(), { bucket: BUCKET });
    expect((await raw.get("reports/a/report.json"))?.toString()).toBe('{"ok":true}');
  });

  it("puts binary bodies with SSE-KMS", async () => {
    const store = new S3BlobStore(emulators.s3Client(), { bucket: BUCKET, kmsKeyId: "alias/portcullis" });
    const body = Buffer.from([0, 1, 2, 255, 254]);
    await store.put("bin", body, "application/octet-stream");
    expect(await store.get("bin")).toEqual(body);
  });

  it("returns undefined for a missing key", async () => {
    const store = new S3BlobStore(emulators.s3Client(), { bucket: BUCKET });
    expect(await store.get("no/such/key")).toBeUndefined();
  });

  it("surfaces other errors, such as a missing bucket", async () => {
    const store = new S3BlobStore(emulators.s3Client(), { bucket: "no-such-bucket" });
    await expect(store.put("k", "v", "text/plain")).rejects.toThrow();
    await expect(store.get("k")).rejects.toThrow(/bucket/i);
  });
});

describe("S3LayerCache", () => {
  it("round-trips a layer result as gzip JSON under layers/", async () => {
    const blobs = new S3BlobStore(emulators.s3Client(), { bucket: BUCKET });
    const cache = new S3LayerCache(blobs);
    const key = layerCacheKey(layerResult.diffID, "analyzers-1");
    expect(await cache.get(key)).toBeUndefined();
    await cache.put(key, layerResult);
    expect(await cache.get(key)).toEqual(layerResult);
    const stored = await blobs.get(`layers/${key}.json.gz`);
    expect(stored?.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
  });

  it("treats a corrupt or foreign object as a miss", async () => {
    const s3 = emulators.s3Client();
    const { logger, warnings } = recordingLogger();
    const cache = new S3LayerCache(new S3BlobStore(s3, { bucket: BUCKET }), logger);
    const corrupt = layerCacheKey("sha256:corrupt", "analyzers-1");
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: layerObjectKey(corrupt), Body: "not gzip" }));
    expect(await cache.get(corrupt)).toBeUndefined();
    expect(warnings).toHaveLength(1);

    const stale = layerCacheKey("sha256:stale", "analyzers-1");
    await cache.put(stale, { ...layerResult, schema: 0 } as unknown as LayerResult);
    expect(await cache.get(stale)).toBeUndefined();
  });

  it("never fails a scan when S3 is unavailable", async () => {
    const { logger, warnings } = recordingLogger();
    const cache = new S3LayerCache(
      new S3BlobStore(emulators.s3Client(), { bucket: "no-such-bucket" }),
      logger,
    );
    const key = layerCacheKey("sha256:x", "a");
    await cache.put(key, layerResult);
    expect(await cache.get(key)).toBeUndefined();
    expect(warnings.length).toBe(2);
  });

  it("rejects keys that are not layer cache hashes", () => {
    expect(() => layerObjectKey("../escape")).toThrow(/invalid layer cache key/);
  });
});
