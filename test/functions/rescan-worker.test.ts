import type { SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHandler } from "../../functions/rescan-worker.js";
import { DynamoFindingsStore } from "../../lib/aws/dynamo-findings-store.js";
import { S3BlobStore } from "../../lib/aws/s3-blob-store.js";
import { silentLogger } from "../../lib/logger.js";
import { changeFromRescanDetail, IMAGE_RESCANNED_DETAIL_TYPE } from "../../lib/notify/notification-source.js";
import type { ScanCompletedEntry } from "../../lib/notify/scan-completed.js";
import { rematchMessages } from "../../lib/rescan/rematch-message.js";
import { imageKey } from "../../lib/stores/scan-job.js";
import { createTable } from "../helpers/aws-emulators.js";
import { type RescanEnv, startRescanEnv } from "../rescan/rescan-db.js";
import { ecrJob, pkg, storeScan } from "../rescan/store-scan.js";

/** The re-match fan-out's consumer: SQS messages → re-matched stored SBOMs → Image Rescanned events. */
let env: RescanEnv;

beforeAll(async () => {
  env = await startRescanEnv("portcullis-rescan-worker-");
});
afterAll(async () => {
  await env?.stop();
});

function sqsEvent(bodies: string[]): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `m-${i}`,
      receiptHandle: "r",
      body,
      attributes: {} as SQSEvent["Records"][number]["attributes"],
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:eu-west-1:111122223333:portcullis-rematch",
      awsRegion: "eu-west-1",
    })),
  };
}

describe("rescan worker function", () => {
  it("re-matches the images of a message and announces the one whose findings changed", async () => {
    const v1 = await env.buildDb("v1", ["lodash-ghsa.json"], "2026-01-10T00:00:00Z");
    const v2 = await env.buildDb("v2", ["lodash-ghsa.json", "openssl-v2.json"], "2026-02-10T00:00:00Z");
    const client = env.emulators.dynamoClient();
    await createTable(client, "rescan-worker");
    const store = new DynamoFindingsStore(client, "rescan-worker");
    const blobs = new S3BlobStore(env.emulators.s3Client(), { bucket: "portcullis-test" });
    const debian = { family: "debian", release: "12", versionId: "12" };
    const api = ecrJob("team/api", "c", "2026-01-15T00:00:00.000Z");
    const web = ecrJob("team/web", "d", "2026-01-15T00:00:00.000Z");
    await storeScan(
      { store, blobs, db: v1 },
      api,
      { os: debian, packages: [pkg("deb", "openssl", "3.0.11-1~deb12u1", "openssl")] },
      new Date("2026-01-15T00:00:00Z"),
    );
    await storeScan(
      { store, blobs, db: v1 },
      web,
      { os: debian, packages: [pkg("deb", "zlib1g", "1:1.2.13.dfsg-1", "zlib")] },
      new Date("2026-01-15T00:00:00Z"),
    );

    const events: ScanCompletedEntry[] = [];
    const handler = createHandler({
      store,
      blobs,
      vulnDb: v2,
      events: { putEvent: async (entry) => void events.push(entry) },
      reportBucket: "portcullis-test",
      logger: silentLogger,
      now: () => new Date("2026-02-10T01:00:00Z"),
    });
    const [message] = rematchMessages([imageKey(api), imageKey(web)], {
      reason: "db-update",
      plannedAt: new Date("2026-02-10T00:30:00Z"),
    });
    const response = await handler(sqsEvent([JSON.stringify(message), "not json"]));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: "m-1" }]);

    expect(events).toHaveLength(1);
    expect(events[0]?.DetailType).toBe(IMAGE_RESCANNED_DETAIL_TYPE);
    const change = changeFromRescanDetail(JSON.parse(events[0]?.Detail ?? "{}"));
    expect(change.image.repository).toBe("team/api");
    expect(change.newFindings.map((f) => `${f.package.name} ${f.id}`)).toEqual(["openssl CVE-2099-0002"]);
    expect(change.reportUri).toMatch(/^s3:\/\/portcullis-test\/reports\//);

    // Redelivered: nothing is re-matched twice, nothing announced twice.
    await handler(sqsEvent([JSON.stringify(message)]));
    expect(events).toHaveLength(1);
  });

  it("reloads the DB when a message was planned for a newer build than the one it holds", async () => {
    const v1 = await env.buildDb("r1", ["lodash-ghsa.json"], "2026-01-10T00:00:00Z");
    const client = env.emulators.dynamoClient();
    await createTable(client, "rescan-reload");
    const store = new DynamoFindingsStore(client, "rescan-reload");
    const blobs = new S3BlobStore(env.emulators.s3Client(), { bucket: "portcullis-test" });
    const debian = { family: "debian", release: "12", versionId: "12" };
    const api = ecrJob("team/api", "9", "2026-01-15T00:00:00.000Z");
    await storeScan(
      { store, blobs, db: v1 },
      api,
      { os: debian, packages: [pkg("deb", "openssl", "3.0.11-1~deb12u1", "openssl")] },
      new Date("2026-01-15T00:00:00Z"),
    );
    const events: ScanCompletedEntry[] = [];
    const handler = createHandler({
      store,
      blobs,
      vulnDb: await env.buildDb("r1-held", ["lodash-ghsa.json"], "2026-01-10T00:00:00Z"),
      reopenDb: () => env.buildDb("r2", ["lodash-ghsa.json", "openssl-v2.json"], "2026-02-10T00:00:00Z"),
      events: { putEvent: async (entry) => void events.push(entry) },
      logger: silentLogger,
    });
    const [message] = rematchMessages([imageKey(api)], {
      reason: "db-update",
      plannedAt: new Date("2026-02-10T00:30:00Z"),
      dbBuiltAt: "2026-02-10T00:00:00.000Z",
    });
    const response = await handler(sqsEvent([JSON.stringify(message)]));
    expect(response.batchItemFailures).toEqual([]);
    expect(events).toHaveLength(1);
  });
});
