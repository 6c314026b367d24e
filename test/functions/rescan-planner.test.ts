import { join } from "node:path";
import type { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { EventBridgeEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHandler } from "../../functions/rescan-planner.js";
import { DynamoFindingsStore } from "../../lib/aws/dynamo-findings-store.js";
import { S3BlobStore } from "../../lib/aws/s3-blob-store.js";
import { SqsRematchQueue } from "../../lib/aws/sqs-rematch-queue.js";
import { silentLogger } from "../../lib/logger.js";
import { parseRematchMessage } from "../../lib/rescan/rematch-message.js";
import { imageKey } from "../../lib/stores/scan-job.js";
import { openDatabaseFile } from "../../lib/vulndb/db/db-reader.js";
import { DB_UPDATED_DETAIL_TYPE } from "../../lib/vulndb/publish/db-updated-event.js";
import { createTable } from "../helpers/aws-emulators.js";
import { type RescanEnv, startRescanEnv } from "../rescan/rescan-db.js";
import { ecrJob, pkg, storeScan } from "../rescan/store-scan.js";

/**
 * The planner Lambda: DB Updated and scheduled events → re-match messages on the queue. The store
 * is dynalite; SQS has no local stand-in, so its client records SendMessageBatch calls.
 */
let env: RescanEnv;
let store: DynamoFindingsStore;
const api = ecrJob("team/api", "7", "2026-01-15T00:00:00.000Z");
const web = ecrJob("team/web", "8", "2026-01-15T00:00:00.000Z");

beforeAll(async () => {
  env = await startRescanEnv("portcullis-planner-");
  // The handler opens v2.db itself (openDb below); v1 stores the scans.
  const v1 = await env.buildDb("v1", ["lodash-ghsa.json"], "2026-01-10T00:00:00Z");
  await env.buildDb("v2", ["lodash-ghsa.json", "openssl-v2.json"], "2026-02-10T00:00:00Z");
  const client = env.emulators.dynamoClient();
  await createTable(client, "planner");
  store = new DynamoFindingsStore(client, "planner");
  const blobs = new S3BlobStore(env.emulators.s3Client(), { bucket: "portcullis-test" });
  const debian = { family: "debian", release: "12", versionId: "12" };
  const at = new Date("2026-01-15T00:00:00Z");
  await storeScan(
    { store, blobs, db: v1 },
    api,
    { os: debian, packages: [pkg("deb", "openssl", "3.0.11-1~deb12u1", "openssl")] },
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

function harness() {
  const sent: Array<SendMessageBatchCommand["input"]> = [];
  const sqs = {
    send: async (command: SendMessageBatchCommand) => {
      sent.push(command.input);
      return {};
    },
  } as unknown as SQSClient;
  const handler = createHandler({
    store,
    openDb: async (_bucket, key) => openDatabaseFile(join(env.work, key)),
    queue: new SqsRematchQueue(sqs, "https://sqs.eu-west-1.amazonaws.com/111122223333/portcullis-rematch"),
    now: () => new Date("2026-02-10T00:05:00Z"),
    logger: silentLogger,
  });
  const imageKeys = () =>
    sent.flatMap((s) => s.Entries ?? []).flatMap((e) => parseRematchMessage(e.MessageBody ?? "").imageKeys);
  return { handler, imageKeys };
}

function event(detailType: string, detail: unknown): EventBridgeEvent<string, unknown> {
  return {
    version: "0",
    id: "e",
    "detail-type": detailType,
    source: "portcullis",
    account: "111122223333",
    time: "2026-02-10T00:05:00Z",
    region: "eu-west-1",
    resources: [],
    detail,
  };
}

describe("rescan planner function", () => {
  it("queues the images a DB update can change", async () => {
    const { handler, imageKeys } = harness();
    const detail = {
      version: 1,
      builtAt: "2026-02-10T00:00:00.000Z",
      bucket: "db",
      key: "db/portcullis.db",
      versionKey: "v2.db",
      manifestKey: "db/manifest.json",
      sha256: "0".repeat(64),
      size: 1,
      schemaVersion: 1,
      counts: { advisories: 2, withdrawn: 0, packages: 2, enrichments: 0 },
      changes: { added: 1, modified: 0, removed: 0 },
      ecosystems: {
        Debian: {
          added: ["DEBIAN-CVE-2099-0002"],
          modified: [],
          removed: [],
          addedCount: 1,
          modifiedCount: 0,
          removedCount: 0,
          truncated: false,
        },
      },
      truncated: false,
    };
    expect(await handler(event(DB_UPDATED_DETAIL_TYPE, detail))).toEqual({
      mode: "db-update/affected",
      messages: 1,
      images: 1,
    });
    expect(imageKeys()).toEqual([imageKey(api)]);
  });

  it("queues every recently used image on the schedule", async () => {
    const { handler, imageKeys } = harness();
    expect(await handler(event("Scheduled Event", {}))).toMatchObject({ mode: "scheduled", images: 2 });
    expect(imageKeys().sort()).toEqual([imageKey(api), imageKey(web)].sort());
  });

  it("records recent pulls before planning the scheduled re-match, not for a DB update", async () => {
    const since: Date[] = [];
    const handler = createHandler({
      store,
      openDb: async (_bucket, key) => openDatabaseFile(join(env.work, key)),
      queue: { send: async () => {} },
      syncPulls: async (from) => {
        since.push(from);
        return 0;
      },
      now: () => new Date("2026-02-10T00:05:00Z"),
      logger: silentLogger,
    });
    await handler(event("Scheduled Event", {}));
    expect(since.map((d) => d.toISOString())).toEqual(["2025-11-12T00:05:00.000Z"]);
  });
});
