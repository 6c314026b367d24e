import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbMetadata } from "../../../lib/vulndb/db/metadata.js";
import { encodeIndex } from "../../../lib/vulndb/publish/advisory-index.js";
import { DbBucket } from "../../../lib/vulndb/publish/db-bucket.js";
import { dbLayout, parseManifest, versionStamp } from "../../../lib/vulndb/publish/db-manifest.js";
import {
  hashFile,
  publishDatabase,
  readAdvisoryIndex,
  readCurrentManifest,
} from "../../../lib/vulndb/publish/publish-database.js";
import { type AwsEmulators, startAwsEmulators } from "../../helpers/aws-emulators.js";

let aws: AwsEmulators;
let bucket: DbBucket;
let dir: string;
const layout = dbLayout();

beforeAll(async () => {
  aws = await startAwsEmulators(["db"]);
  bucket = new DbBucket(aws.s3Client(), "db");
  dir = await mkdtemp(join(tmpdir(), "publish-"));
});

afterAll(async () => {
  await aws?.stop();
  await rm(dir, { recursive: true, force: true });
});

function metadata(builtAt: string): DbMetadata {
  return {
    schemaVersion: 1,
    formatVersion: 1,
    osvSchemaVersion: "1.6.0",
    builtAt,
    sources: [{ name: "osv-Go.zip", records: 3 }],
    counts: { advisories: 3, withdrawn: 0, packages: 2, aliases: 1, enrichments: 0, ecosystems: {} },
    layout: { compression: "brotli", blocks: 1, blockSize: 1, pageSize: 1, pages: {} },
  };
}

async function publish(builtAt: string, keepVersions: number) {
  const dbPath = join(dir, `${versionStamp(builtAt)}.db`);
  await writeFile(dbPath, `db built at ${builtAt}\n`.repeat(1000));
  const previous = await readCurrentManifest(bucket, layout);
  const index = encodeIndex(new Map([["GO-1", { digest: builtAt.slice(0, 16), ecosystems: ["Go"] }]]));
  return {
    dbPath,
    ...(await publishDatabase({
      bucket,
      layout,
      currentKey: "db/portcullis.db",
      dbPath,
      metadata: metadata(builtAt),
      index,
      ...(previous ? { previous } : {}),
      keepVersions,
    })),
  };
}

describe("publishDatabase", () => {
  it("has nothing to compare with before the first publish", async () => {
    expect(await readCurrentManifest(bucket, layout)).toBeUndefined();
    expect(await readAdvisoryIndex(bucket, undefined)).toBeUndefined();
  });

  it("uploads the version, its index and manifest, then copies it to the current key", async () => {
    const { manifest, dbPath, pruned } = await publish("2025-01-10T00:00:00.000Z", 3);
    expect(pruned).toEqual([]);
    expect(manifest).toMatchObject({
      key: "db/versions/2025-01-10T00-00-00-000Z.db",
      sha256: await hashFile(dbPath),
      size: Buffer.byteLength("db built at 2025-01-10T00:00:00.000Z\n") * 1000,
      sources: [{ name: "osv-Go.zip", records: 3 }],
    });
    expect(manifest.previous).toBeUndefined();
    expect((await bucket.get("db/portcullis.db"))?.equals((await bucket.get(manifest.key)) as Buffer)).toBe(
      true,
    );
    expect(await readCurrentManifest(bucket, layout)).toEqual(manifest);
    const versioned = await bucket.get(layout.versionManifestKey(manifest.builtAt));
    expect(parseManifest(versioned as Buffer, "version manifest")).toEqual(manifest);
    expect((await readAdvisoryIndex(bucket, manifest))?.get("GO-1")?.ecosystems).toEqual(["Go"]);
  });

  it("links each manifest to the one it replaced and prunes to the newest N builds", async () => {
    await publish("2025-01-10T06:00:00.000Z", 3);
    await publish("2025-01-10T12:00:00.000Z", 3);
    const { manifest, pruned } = await publish("2025-01-10T18:00:00.000Z", 3);
    expect(manifest.previous).toMatchObject({
      builtAt: "2025-01-10T12:00:00.000Z",
      key: "db/versions/2025-01-10T12-00-00-000Z.db",
    });
    expect(pruned.sort()).toEqual([
      "db/versions/2025-01-10T00-00-00-000Z.db",
      "db/versions/2025-01-10T00-00-00-000Z.index.json.gz",
      "db/versions/2025-01-10T00-00-00-000Z.json",
    ]);
    const stamps = new Set(
      (await bucket.list(layout.versionsPrefix)).map((k) => k.split("/")[2]?.split(".")[0]),
    );
    expect([...stamps].sort()).toEqual([
      "2025-01-10T06-00-00-000Z",
      "2025-01-10T12-00-00-000Z",
      "2025-01-10T18-00-00-000Z",
    ]);
    expect((await bucket.get("db/portcullis.db"))?.toString()).toContain("2025-01-10T18:00:00.000Z");
  });

  it("refuses a manifest that is not one", async () => {
    await bucket.put(
      layout.manifestKey,
      JSON.stringify({ manifestVersion: 1, builtAt: 5 }),
      "application/json",
    );
    await expect(readCurrentManifest(bucket, layout)).rejects.toMatchObject({ name: "DbPublishError" });
    expect(() => parseManifest("{", "x")).toThrow(/not JSON/);
  });
});
