import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoFindingsStore } from "../../../lib/aws/dynamo-findings-store.js";
import { DynamoPackageIndex } from "../../../lib/aws/dynamo-package-index.js";
import type { Package } from "../../../lib/inventory/package.js";
import { planFullRematch } from "../../../lib/rescan/full-rematch-plan.js";
import { parseRematchMessage } from "../../../lib/rescan/rematch-message.js";
import type { ScanSummary } from "../../../lib/stores/findings-store.js";
import { imageKey, type ScanJob } from "../../../lib/stores/scan-job.js";
import { type AwsEmulators, createTable, startAwsEmulators } from "../../helpers/aws-emulators.js";

let emulators: AwsEmulators;
let tables = 0;

beforeAll(async () => {
  emulators = await startAwsEmulators();
});
afterAll(async () => {
  await emulators?.stop();
});

async function fresh(): Promise<{ store: DynamoFindingsStore; doc: DynamoDBDocumentClient; table: string }> {
  const client = emulators.dynamoClient();
  const table = `rescan-indexes-${++tables}`;
  await createTable(client, table);
  return { store: new DynamoFindingsStore(client, table), doc: DynamoDBDocumentClient.from(client), table };
}

const layer = { index: 0, diffID: "sha256:d", digest: "sha256:c" };
const p = (ecosystem: string, name: string, version: string, source?: string): Package => ({
  ecosystem,
  name,
  version,
  ...(source ? { source: { name: source } } : {}),
  layer,
  foundIn: "x",
});

function job(repository: string, n: number, eventTime: string, reason = "push"): ScanJob {
  return {
    v: 1,
    provider: "ecr",
    account: "111122223333",
    region: "eu-west-1",
    repository,
    digest: `sha256:${n.toString(16).padStart(64, "0")}`,
    registry: "111122223333.dkr.ecr.eu-west-1.amazonaws.com",
    reason,
    eventTime,
  };
}

const summary = (j: ScanJob, scannedAt: string): ScanSummary => ({
  imageKey: imageKey(j),
  scannedAt,
  analyzersKey: "a",
  counts: {},
  packages: 0,
});

describe("package index items", () => {
  it("indexes by advisory key (source package, normalised names) and pages through the query", async () => {
    const { store, doc, table } = await fresh();
    const keys: string[] = [];
    for (let n = 1; n <= 5; n++) {
      const j = job("team/app", n, "2026-01-01T00:00:00.000Z");
      keys.push(imageKey(j));
      await store.putScan(j, summary(j, "2026-01-01T00:00:00.000Z"), [], {
        os: { family: "alpine", release: "3.19", versionId: "3.19.1" },
        packages: [p("apk", "libcrypto3", "3.1.4-r5", "openssl"), p("pypi", "Django_Rest", "1.0")],
      });
    }
    const other = job("team/other", 9, "2026-01-01T00:00:00.000Z");
    await store.putScan(other, summary(other, "2026-01-01T00:00:00.000Z"), [], {
      packages: [p("npm", "lodash", "4.17.20")],
    });
    // Two items a page: five images take three pages, and every one comes back.
    const paged = new DynamoPackageIndex(doc, table, {}, 2);
    expect((await paged.imagesWith("Alpine:v3.19", "openssl")).sort()).toEqual(keys.sort());
    expect(await paged.imagesWith("alpine:3.19.1", "libcrypto3")).toHaveLength(5);
    expect(await paged.imagesWith("PyPI", "django.rest")).toHaveLength(5);
    expect(await paged.imagesWith("npm", "lodash")).toEqual([imageKey(other)]);
    expect(await paged.imagesWith("npm", "openssl")).toEqual([]);
    // Another release's advisories do not concern these images.
    expect(await paged.imagesWith("Alpine:v3.18", "openssl")).toEqual([]);
  });

  it("a scan without an inventory leaves the index alone", async () => {
    const { store } = await fresh();
    const j = job("team/app", 1, "2026-01-01T00:00:00.000Z");
    await store.putScan(j, summary(j, "2026-01-01T00:00:00.000Z"), [], {
      packages: [p("npm", "lodash", "1.0.0")],
    });
    await store.putScan({ ...j, reason: "rescan" }, summary(j, "2026-02-01T00:00:00.000Z"), []);
    expect(await store.packageIndex.imagesWith("npm", "lodash")).toEqual([imageKey(j)]);
  });
});

describe("planFullRematch", () => {
  it("lists active images pushed within the window, in batches that parse as queue messages", async () => {
    const { store } = await fresh();
    const now = new Date("2026-06-01T12:00:00.000Z");
    const recent: string[] = [];
    for (let n = 1; n <= 5; n++) {
      const at = new Date(now.getTime() - n * 10 * 86_400_000).toISOString();
      const j = job("team/app", n, at);
      recent.push(imageKey(j));
      await store.putScan(j, summary(j, at), []);
    }
    const old = job("team/app", 20, "2026-02-01T00:00:00.000Z"); // 120 days before now
    await store.putScan(old, summary(old, "2026-02-01T00:00:00.000Z"), []);
    const deleted = job("team/app", 21, "2026-05-30T00:00:00.000Z");
    await store.putScan(deleted, summary(deleted, "2026-05-30T00:00:00.000Z"), []);
    await store.markDeleted(imageKey(deleted), "2026-05-31T00:00:00.000Z");
    // A rescan is not use: the old image stays outside the window after one.
    await store.putScan(
      { ...old, reason: "rescan", eventTime: now.toISOString() },
      summary(old, now.toISOString()),
      [],
    );
    // A pull recorded today brings an old image back into the window.
    const pulled = job("team/app", 22, "2025-01-01T00:00:00.000Z");
    await store.putScan(pulled, summary(pulled, "2025-01-01T00:00:00.000Z"), []);
    await store.activity.record(imageKey(pulled), "2026-06-01T08:00:00.000Z");

    const messages = await planFullRematch(store.activity, {
      now,
      batchSize: 2,
      dbBuiltAt: "2026-06-01T00:00:00Z",
    });
    const listed = messages.flatMap((m) => m.imageKeys);
    expect(listed.sort()).toEqual([...recent, imageKey(pulled)].sort());
    expect(messages.map((m) => m.imageKeys.length)).toEqual([2, 2, 2]);
    for (const m of messages) {
      expect(parseRematchMessage(JSON.stringify(m))).toEqual(m);
      expect(m).toMatchObject({ reason: "scheduled", dbBuiltAt: "2026-06-01T00:00:00Z" });
    }

    const narrow = await planFullRematch(store.activity, { now, windowDays: 15 });
    expect(narrow.flatMap((m) => m.imageKeys).sort()).toEqual([recent[0], imageKey(pulled)].sort());
  });
});
