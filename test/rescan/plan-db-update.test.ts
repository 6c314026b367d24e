import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoFindingsStore } from "../../lib/aws/dynamo-findings-store.js";
import { S3BlobStore } from "../../lib/aws/s3-blob-store.js";
import { planDbUpdate } from "../../lib/rescan/plan-db-update.js";
import { imageKey } from "../../lib/stores/scan-job.js";
import type { VulnDb } from "../../lib/vulndb/db/db-reader.js";
import type { DbUpdatedDetail, EcosystemUpdate } from "../../lib/vulndb/publish/db-updated-event.js";
import { createTable } from "../helpers/aws-emulators.js";
import { type RescanEnv, startRescanEnv } from "./rescan-db.js";
import { ecrJob, pkg, storeScan } from "./store-scan.js";

/** From a `Portcullis DB Updated` event to the re-match messages of exactly the affected images. */
let env: RescanEnv;
let v1: VulnDb;
let v2: VulnDb;
let store: DynamoFindingsStore;
const api = ecrJob("team/api", "e", "2026-01-15T00:00:00.000Z");
const web = ecrJob("team/web", "f", "2026-01-15T00:00:00.000Z");

beforeAll(async () => {
  env = await startRescanEnv("portcullis-plan-");
  v1 = await env.buildDb("v1", ["lodash-ghsa.json"], "2026-01-10T00:00:00Z");
  v2 = await env.buildDb("v2", ["lodash-ghsa.json", "openssl-v2.json"], "2026-02-10T00:00:00Z");
  const client = env.emulators.dynamoClient();
  await createTable(client, "plan");
  store = new DynamoFindingsStore(client, "plan");
  const blobs = new S3BlobStore(env.emulators.s3Client(), { bucket: "portcullis-test" });
  const debian = { family: "debian", release: "12", versionId: "12" };
  const at = new Date("2026-01-15T00:00:00Z");
  await storeScan(
    { store, blobs, db: v1 },
    api,
    { os: debian, packages: [pkg("deb", "libssl3", "3.0.11-1~deb12u1", "openssl")] },
    at,
  );
  await storeScan(
    { store, blobs, db: v1 },
    web,
    { os: debian, packages: [pkg("npm", "express", "4.18.0")] },
    at,
  );
});

afterAll(async () => {
  await env?.stop();
});

function detail(
  ecosystems: Record<string, Partial<EcosystemUpdate>>,
  extra: Partial<DbUpdatedDetail> = {},
): DbUpdatedDetail {
  const full = (e: Partial<EcosystemUpdate>): EcosystemUpdate => ({
    added: [],
    modified: [],
    removed: [],
    addedCount: e.added?.length ?? 0,
    modifiedCount: e.modified?.length ?? 0,
    removedCount: e.removed?.length ?? 0,
    truncated: false,
    ...e,
  });
  return {
    version: 1,
    builtAt: "2026-02-10T00:00:00.000Z",
    bucket: "db",
    key: "db/portcullis.db",
    versionKey: "db/versions/x.db",
    manifestKey: "db/manifest.json",
    sha256: "0".repeat(64),
    size: 1,
    schemaVersion: 1,
    counts: { advisories: 2, withdrawn: 0, packages: 2, enrichments: 0 },
    changes: { added: 1, modified: 0, removed: 0 },
    ecosystems: Object.fromEntries(Object.entries(ecosystems).map(([k, v]) => [k, full(v)])),
    truncated: false,
    ...extra,
  };
}

describe("planDbUpdate", () => {
  const deps = () => ({
    db: v2,
    index: store.packageIndex,
    activity: store.activity,
    now: new Date("2026-02-10T00:05:00Z"),
  });

  it("re-matches only the images holding a package of an added advisory (through its source package)", async () => {
    const plan = await planDbUpdate(detail({ Debian: { added: ["DEBIAN-CVE-2099-0002"] } }), deps());
    expect(plan.mode).toBe("affected");
    expect(plan.messages).toEqual([
      expect.objectContaining({
        reason: "db-update",
        imageKeys: [imageKey(api)],
        dbBuiltAt: "2026-02-10T00:00:00.000Z",
      }),
    ]);
  });

  it("falls back to every recently used image when the event cannot name the packages", async () => {
    for (const extra of [{ truncated: true }, { changes: { added: 0, modified: 0, removed: 1 } }]) {
      const plan = await planDbUpdate(detail({}, extra), deps());
      expect(plan.mode).toBe("full");
      expect(plan.messages.flatMap((m) => m.imageKeys).sort()).toEqual([imageKey(api), imageKey(web)].sort());
    }
  });

  it("plans nothing when no stored image holds a changed package", async () => {
    const plan = await planDbUpdate(detail({ npm: { modified: ["GHSA-TEST-lodash-0001"] } }), deps());
    expect(plan).toMatchObject({ mode: "affected", messages: [] });
  });
});
