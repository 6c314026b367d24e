import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3RangeSource } from "../../../lib/aws/s3-range-source.js";
import { buildFromSources } from "../../../lib/vulndb/build-from-sources.js";
import { openDatabase, openDatabaseFile } from "../../../lib/vulndb/db/db-reader.js";
import { VulnDbError } from "../../../lib/vulndb/db/errors.js";
import { type AwsEmulators, startAwsEmulators } from "../../helpers/aws-emulators.js";

/** The DB read in place from s3rver (which honours Range, but ignores If-Match). */
const secdb = (name: string) =>
  fileURLToPath(new URL(`../../fixtures/advisories/secdb/${name}`, import.meta.url));
const vulndb = (name: string) => fileURLToPath(new URL(`../../fixtures/vulndb/${name}`, import.meta.url));
const BUCKET = "portcullis-db";

let aws: AwsEmulators;
let s3: S3Client;
let work: string;
let dbFile: string;

beforeAll(async () => {
  aws = await startAwsEmulators([BUCKET]);
  s3 = aws.s3Client();
  work = await mkdtemp(join(tmpdir(), "portcullis-s3-db-"));
  dbFile = join(work, "portcullis.db");
  await buildFromSources(
    [
      { path: secdb("alpine-v3.11-main.yaml") },
      { path: secdb("alpine-v3.8-main.yaml") },
      { path: vulndb("pypi-sample.jsonl") },
      { path: vulndb("go-sample.jsonl") },
    ],
    dbFile,
    { builtAt: new Date("2026-11-28T06:00:00Z") },
  );
  await s3.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: "db/portcullis.db", Body: await readFile(dbFile) }),
  );
});

afterAll(async () => {
  await aws?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("S3RangeSource", () => {
  it("answers lookups like the local file while fetching a small part of it", async () => {
    const source = await S3RangeSource.open(s3, { bucket: BUCKET, key: "db/portcullis.db" });
    const db = await openDatabase(source);
    const local = await openDatabaseFile(dbFile);
    try {
      expect(db.size).toBe(local.size);
      expect(source.etag).toMatch(/^"[0-9a-f]+"$/);
      expect(db.metadata.builtAt).toBe("2026-11-28T06:00:00.000Z");
      const ansible = await db.advisoriesFor("Alpine:v3.11", "ansible");
      expect(ansible.map((a) => a.id)).toContain("ALPINE-CVE-2019-14904");
      expect(ansible).toEqual(await local.advisoriesFor("Alpine:v3.11", "ansible"));
      expect(await db.advisoriesFor("Alpine:v3.11", "no-such-package")).toEqual([]);
      expect(db.bytesRead).toBeLessThan(db.size / 10);
    } finally {
      await db.close();
      await local.close();
    }
  });

  it("detects a DB replaced while it is open", async () => {
    const key = "db/replaced.db";
    const bytes = await readFile(dbFile);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: bytes }));
    const source = await S3RangeSource.open(s3, { bucket: BUCKET, key });
    const changed = Buffer.from(bytes);
    changed[changed.length - 1] = (changed[changed.length - 1] ?? 0) ^ 0xff;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: changed }));
    await expect(source.read(bytes.length - 100, 50)).rejects.toThrow(/changed while it was open/);
  });

  it("refuses reads outside the object and fails clearly for a missing key", async () => {
    const source = await S3RangeSource.open(s3, { bucket: BUCKET, key: "db/portcullis.db" });
    await expect(source.read(source.size - 10, 20)).rejects.toThrow(RangeError);
    expect(await source.read(source.size, 0)).toHaveLength(0);
    const tail = await source.read(source.size - 10, 10);
    expect(tail).toEqual((await readFile(dbFile)).subarray(-10));
    const missing = S3RangeSource.open(s3, { bucket: BUCKET, key: "db/none.db" });
    await expect(missing).rejects.toThrow(VulnDbError);
    await expect(missing).rejects.toThrow("s3://portcullis-db/db/none.db: ranged GET bytes=0-");
    // functions/scan-worker.ts tells "no DB yet" from other failures by this cause.
    expect(((await missing.catch((e: unknown) => e)) as Error).cause).toMatchObject({ name: "NoSuchKey" });
  });
});
