import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoFindingsStore } from "../../lib/aws/dynamo-findings-store.js";
import { S3BlobStore } from "../../lib/aws/s3-blob-store.js";
import { silentLogger } from "../../lib/logger.js";
import { affectedImages } from "../../lib/rescan/affected-images.js";
import { type RematchDeps, rematchImage } from "../../lib/rescan/rematch-image.js";
import { imageKey } from "../../lib/stores/scan-job.js";
import type { VulnDb } from "../../lib/vulndb/db/db-reader.js";
import { createTable } from "../helpers/aws-emulators.js";
import { type RescanEnv, startRescanEnv } from "./rescan-db.js";
import { ecrJob, pkg, storeScan } from "./store-scan.js";

/** Issue 8: a stored image gains a finding after a DB update and loses one after another. */
let env: RescanEnv;

beforeAll(async () => {
  env = await startRescanEnv("portcullis-rescan-");
});
afterAll(async () => {
  await env?.stop();
});

const debian = { family: "debian", release: "12", versionId: "12" };

describe("rescan after DB updates (dynalite + s3rver)", () => {
  it("finds the affected image by package, adds the new finding, then resolves it", async () => {
    const v1 = await env.buildDb("v1", ["lodash-ghsa.json"], "2026-01-10T00:00:00Z");
    const v2 = await env.buildDb("v2", ["lodash-ghsa.json", "openssl-v2.json"], "2026-02-10T00:00:00Z");
    const v3 = await env.buildDb("v3", ["lodash-ghsa.json", "openssl-v3.json"], "2026-03-10T00:00:00Z");

    const client = env.emulators.dynamoClient();
    await createTable(client, "rescan");
    const store = new DynamoFindingsStore(client, "rescan");
    const blobs = new S3BlobStore(env.emulators.s3Client(), { bucket: "portcullis-test" });

    // An image with openssl (source of libssl3 too) and lodash; another with neither of them.
    const withOpenssl = ecrJob("team/api", "a", "2026-01-15T00:00:00.000Z");
    await storeScan(
      { store, blobs, db: v1 },
      withOpenssl,
      {
        os: debian,
        packages: [
          pkg("deb", "openssl", "3.0.11-1~deb12u1", "openssl"),
          pkg("deb", "libssl3", "3.0.11-1~deb12u1", "openssl"),
          pkg("deb", "zlib1g", "1:1.2.13.dfsg-1", "zlib"),
          pkg("npm", "lodash", "4.17.20"),
        ],
      },
      new Date("2026-01-15T00:00:00Z"),
    );
    const withoutOpenssl = ecrJob("team/web", "b", "2026-01-16T00:00:00.000Z");
    const untouched = await storeScan(
      { store, blobs, db: v1 },
      withoutOpenssl,
      {
        os: debian,
        packages: [pkg("deb", "zlib1g", "1:1.2.13.dfsg-1", "zlib"), pkg("npm", "express", "4.18.0")],
      },
      new Date("2026-01-16T00:00:00Z"),
    );
    const key = imageKey(withOpenssl);
    const lodash = (await store.findings(key)).map((f) => `${f.package.name} ${f.id}`);
    expect(lodash).toEqual(["lodash CVE-2099-0001"]);

    // DB v2 adds a Debian 12 advisory for openssl: only the image that has it is affected.
    const change = [{ ecosystem: "Debian:12", packages: ["openssl"] }];
    expect(await affectedImages(change, store.packageIndex)).toEqual([key]);
    const deps = (vulnDb: VulnDb, at: string): RematchDeps => ({
      store,
      blobs,
      vulnDb,
      logger: silentLogger,
      now: () => new Date(at),
    });
    const gained = await rematchImage(key, deps(v2, "2026-02-10T01:00:00Z"));
    expect(gained.status).toBe("rematched");
    expect(gained.added.map((f) => `${f.package.name} ${f.id}`).sort()).toEqual([
      "libssl3 CVE-2099-0002",
      "openssl CVE-2099-0002",
    ]);
    expect(gained.resolved).toEqual([]);
    const afterV2 = await store.findingRecords(key);
    const open = afterV2
      .filter((r) => r.status === "open")
      .map((r) => `${r.finding.package.name} ${r.firstSeen}`);
    expect(open.sort()).toEqual([
      "libssl3 2026-02-10T01:00:00.000Z",
      "lodash 2026-01-15T00:00:00.000Z",
      "openssl 2026-02-10T01:00:00.000Z",
    ]);
    const scanV2 = await store.latestScan(key);
    expect(scanV2).toMatchObject({
      scannedAt: "2026-02-10T01:00:00.000Z",
      dbBuiltAt: "2026-02-10T00:00:00.000Z",
      maxSeverity: "HIGH",
      analyzersKey: "analyzers-test",
      packages: 4,
    });
    expect(Object.values(scanV2?.counts ?? {}).reduce((a, b) => a + b, 0)).toBe(3);
    // The new report is stored next to the image's others; the SBOM stays the one the scan wrote.
    expect(scanV2?.sbomKey).toMatch(/^sboms\/ecr\/111122223333\/eu-west-1\/team\/api\//);
    expect(await blobs.get(scanV2?.reportKey ?? "missing")).toBeDefined();

    // The same DB again (a redelivered message) changes nothing.
    const again = await rematchImage(key, deps(v2, "2026-02-10T02:00:00Z"));
    expect(again).toMatchObject({ status: "skipped", reason: "already matched with this DB" });

    // DB v3 moves the fixed version below the installed one: the finding resolves.
    expect(await affectedImages(change, store.packageIndex)).toEqual([key]);
    const lost = await rematchImage(key, deps(v3, "2026-03-10T01:00:00Z"));
    expect(lost.added).toEqual([]);
    expect(lost.resolved.map((f) => `${f.package.name} ${f.id}`).sort()).toEqual([
      "libssl3 CVE-2099-0002",
      "openssl CVE-2099-0002",
    ]);
    expect((await store.findings(key)).map((f) => f.id)).toEqual(["CVE-2099-0001"]);
    const resolved = (await store.findingRecords(key)).filter((r) => r.status === "resolved");
    expect(resolved.map((r) => r.resolvedAt)).toEqual([
      "2026-03-10T01:00:00.000Z",
      "2026-03-10T01:00:00.000Z",
    ]);
    expect((await store.image(key))?.openFindings).toBe(1);

    // The other image was never re-matched: its latest scan is still the v1 one.
    expect(await store.latestScan(imageKey(withoutOpenssl))).toMatchObject({
      scannedAt: untouched.scannedAt,
      dbBuiltAt: "2026-01-10T00:00:00.000Z",
    });
  });

  it("skips deleted images and drops them from the package index", async () => {
    const db = await env.buildDb("v1-deleted", ["lodash-ghsa.json"], "2026-01-10T00:00:00Z");
    const newer = await env.buildDb(
      "v2-deleted",
      ["lodash-ghsa.json", "openssl-v2.json"],
      "2026-02-10T00:00:00Z",
    );
    const client = env.emulators.dynamoClient();
    await createTable(client, "rescan-deleted");
    const store = new DynamoFindingsStore(client, "rescan-deleted");
    const blobs = new S3BlobStore(env.emulators.s3Client(), { bucket: "portcullis-test" });
    const job = ecrJob("team/gone", "c", "2026-01-15T00:00:00.000Z");
    await storeScan(
      { store, blobs, db },
      job,
      { os: debian, packages: [pkg("deb", "libssl3", "3.0.11-1~deb12u1", "openssl")] },
      new Date("2026-01-15T00:00:00Z"),
    );
    const key = imageKey(job);
    expect(await store.packageIndex.imagesWith("Debian:12", "openssl")).toEqual([key]);
    await store.markDeleted(key, "2026-01-20T00:00:00.000Z");
    expect(await store.packageIndex.imagesWith("Debian:12", "openssl")).toEqual([]);
    expect(await store.packageIndex.imagesWith("Debian:12", "libssl3")).toEqual([]);
    const outcome = await rematchImage(key, { store, blobs, vulnDb: newer, logger: silentLogger });
    expect(outcome).toMatchObject({ status: "skipped", added: [], resolved: [] });
  });
});
