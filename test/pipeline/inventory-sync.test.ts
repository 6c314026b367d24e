import type { SendMessageBatchCommand, SendMessageBatchCommandOutput } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoFindingsStore } from "../../lib/aws/dynamo-findings-store.js";
import { SqsScanQueue } from "../../lib/aws/sqs-scan-queue.js";
import { silentLogger } from "../../lib/logger.js";
import {
  type InventoryCandidate,
  type InventorySource,
  syncInventory,
} from "../../lib/pipeline/inventory-sync.js";
import type { ScanSummary } from "../../lib/stores/findings-store.js";
import { imageKey, type ScanJob } from "../../lib/stores/scan-job.js";
import { type AwsEmulators, createTable, startAwsEmulators } from "../helpers/aws-emulators.js";

/**
 * The sync against dynalite (the real table and store) and the real SqsScanQueue; SQS itself has
 * no local emulator, so its client records SendMessageBatch calls and accepts every entry.
 */
const NOW = new Date("2026-02-10T12:00:00Z");
const OLD = new Date("2026-01-20T00:00:00Z");
let emulators: AwsEmulators;
let store: DynamoFindingsStore;

function job(repository: string, digestHex: string, overrides: Partial<ScanJob> = {}): ScanJob {
  return {
    v: 1,
    provider: "ecr",
    account: "111122223333",
    region: "eu-west-1",
    repository,
    digest: `sha256:${digestHex.padStart(64, "0")}`,
    registry: "111122223333.dkr.ecr.eu-west-1.amazonaws.com",
    reason: "inventory",
    eventTime: OLD.toISOString(),
    ...overrides,
  };
}

function summary(j: ScanJob, at: string): ScanSummary {
  return { imageKey: imageKey(j), scannedAt: at, analyzersKey: "test", counts: {}, packages: 0 };
}

function source(name: string, candidates: InventoryCandidate[], failAfter?: Error): InventorySource {
  return {
    name,
    candidates: (async function* () {
      yield* candidates;
      if (failAfter) throw failAfter;
    })(),
  };
}

function recordingQueue() {
  const sent: ScanJob[] = [];
  const batchSizes: number[] = [];
  const client = {
    async send(command: SendMessageBatchCommand): Promise<SendMessageBatchCommandOutput> {
      const entries = command.input.Entries ?? [];
      batchSizes.push(entries.length);
      sent.push(...entries.map((e) => JSON.parse(e.MessageBody ?? "") as ScanJob));
      return {
        $metadata: {},
        Successful: entries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: "" })),
        Failed: [],
      };
    },
  };
  const queue = new SqsScanQueue({
    client,
    queueUrl: "https://sqs.eu-west-1.amazonaws.com/111122223333/scan",
  });
  return { queue, sent, batchSizes };
}

const scanned = job("team/api", "a1");
const neverScanned = job("team/api", "b2", { tag: "v2" });
const repushed = job("team/web", "c3");
const recent = job("team/web", "d4");
const recentUnknownAge = job("team/web", "e5");

beforeAll(async () => {
  emulators = await startAwsEmulators();
  const client = emulators.dynamoClient();
  await createTable(client, "inventory");
  store = new DynamoFindingsStore(client, "inventory");
  const push = (j: ScanJob) => ({ ...j, reason: "push" });
  await store.putScan(push(scanned), summary(scanned, "2026-01-20T00:05:00.000Z"), []);
  await store.putScan(push(repushed), summary(repushed, "2026-01-20T00:05:00.000Z"), []);
  await store.markDeleted(imageKey(repushed), "2026-01-25T00:00:00.000Z");
});

afterAll(async () => {
  await emulators?.stop();
});

describe("DynamoFindingsStore.scannedImageKeys", () => {
  it("answers only images with a stored scan that are still active", async () => {
    const keys = [scanned, neverScanned, repushed].map(imageKey);
    expect(await store.scannedImageKeys([...keys, keys[0] as string])).toEqual(new Set([imageKey(scanned)]));
    expect(await store.scannedImageKeys([])).toEqual(new Set());
  });

  it("reads more than 100 keys in several calls", async () => {
    const many = Array.from({ length: 230 }, (_, i) => imageKey(job("bulk", `f${i}`)));
    expect(await store.scannedImageKeys([...many, imageKey(scanned)])).toEqual(new Set([imageKey(scanned)]));
  });
  it("reads again the keys DynamoDB left unprocessed, after a backoff", async () => {
    // Throttling cannot be provoked in dynalite: this middleware answers half of the first call's
    // keys as UnprocessedKeys, as a throttled BatchGetItem does.
    const client = emulators.dynamoClient();
    let calls = 0;
    client.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { RequestItems?: Record<string, { Keys: unknown[] }> };
        const request = input.RequestItems?.inventory;
        if (!request || calls++ > 0) return next(args);
        const held = request.Keys.splice(1);
        const result = await next(args);
        (result.output as { UnprocessedKeys?: unknown }).UnprocessedKeys = {
          inventory: { ...request, Keys: held },
        };
        return result;
      },
      { step: "initialize", name: "throttleOnce" },
    );
    const sleeps: number[] = [];
    const throttled = new DynamoFindingsStore(client, "inventory", {
      batchWrite: { sleep: async (ms) => void sleeps.push(ms) },
    });
    const keys = [neverScanned, scanned, repushed].map(imageKey);
    expect(await throttled.scannedImageKeys(keys)).toEqual(new Set([imageKey(scanned)]));
    expect(calls).toBe(2);
    expect(sleeps).toHaveLength(1);
  });
});

describe("syncInventory", () => {
  it("enqueues exactly the never-scanned and re-pushed images, leaves recent pushes to their events", async () => {
    const { queue, sent } = recordingQueue();
    const warnings: string[] = [];
    const errors: Array<Record<string, unknown> | undefined> = [];
    const counts = await syncInventory({
      sources: [
        source("ecr:111122223333/eu-west-1", [
          { job: scanned, pushedAt: OLD },
          { job: neverScanned, pushedAt: OLD },
          { job: repushed, pushedAt: new Date("2026-02-01T00:00:00Z") },
          { job: recent, pushedAt: new Date(NOW.getTime() - 5 * 60_000) },
          { job: recentUnknownAge },
          { job: { ...neverScanned } }, // listed twice: checked and enqueued once
          { job: { ...neverScanned, digest: "sha256:not-a-digest" }, pushedAt: OLD },
        ]),
        source(
          "ecr:444455556666/eu-west-1",
          [],
          Object.assign(new Error("cannot assume"), { name: "AssumeRoleError" }),
        ),
      ],
      scanned: (keys) => store.scannedImageKeys(keys),
      queue,
      now: () => NOW,
      logger: {
        ...silentLogger,
        warn: (m) => warnings.push(m),
        error: (_m, fields) => errors.push(fields),
      },
    });
    expect(counts).toEqual({
      listed: 7,
      alreadyScanned: 1,
      tooRecent: 1,
      enqueued: 3,
      deferred: 0,
      invalid: 1,
      failedSources: [{ source: "ecr:444455556666/eu-west-1", error: "AssumeRoleError: cannot assume" }],
    });
    expect(sent.map(imageKey).sort()).toEqual(
      [neverScanned, repushed, recentUnknownAge].map(imageKey).sort(),
    );
    expect(sent.find((j) => j.digest === neverScanned.digest)).toEqual(neverScanned);
    expect(warnings).toEqual(["inventory entry skipped: not a valid scan job"]);
    expect(errors).toEqual([
      { source: "ecr:444455556666/eu-west-1", error: "AssumeRoleError: cannot assume" },
    ]);
  });

  it("checks what a source listed before failing, and the sources after it", async () => {
    const { queue, sent } = recordingQueue();
    const early = job("broken", "11");
    const later = job("fine", "22");
    const counts = await syncInventory({
      sources: [
        source("gar:p/l", [{ job: early, pushedAt: OLD }], new Error("PERMISSION_DENIED")),
        source("ecr:1/r", [{ job: later, pushedAt: OLD }]),
      ],
      scanned: (keys) => store.scannedImageKeys(keys),
      queue,
      now: () => NOW,
      logger: silentLogger,
    });
    expect(sent.map((j) => j.repository)).toEqual(["broken", "fine"]);
    expect(counts.failedSources).toEqual([{ source: "gar:p/l", error: "Error: PERMISSION_DENIED" }]);
  });

  it("checks in batches of 100 keys, enqueues in batches, and stops at maxJobs", async () => {
    const { queue, sent, batchSizes } = recordingQueue();
    const checked: number[] = [];
    const candidates = Array.from({ length: 250 }, (_, i) => ({ job: job("bulk", `f${i}`), pushedAt: OLD }));
    candidates.splice(120, 0, { job: scanned, pushedAt: OLD });
    const counts = await syncInventory({
      sources: [source("ecr:111122223333/eu-west-1", candidates)],
      scanned: (keys) => {
        checked.push(keys.length);
        return store.scannedImageKeys(keys);
      },
      queue,
      maxJobs: 205,
      now: () => NOW,
      logger: silentLogger,
    });
    expect(checked).toEqual([100, 100, 51]);
    expect(counts).toMatchObject({
      listed: 251,
      alreadyScanned: 1,
      enqueued: 205,
      deferred: 45,
      tooRecent: 0,
    });
    expect(sent).toHaveLength(205);
    expect(Math.max(...batchSizes)).toBe(10);
    expect(new Set(sent.map(imageKey)).size).toBe(205);
  });

  it("lets a store or queue failure end the run instead of blaming a source", async () => {
    const failing = {
      enqueue: async () => {
        throw new Error("queue down");
      },
    };
    await expect(
      syncInventory({
        sources: [source("ecr:1/r", [{ job: neverScanned, pushedAt: OLD }])],
        scanned: (keys) => store.scannedImageKeys(keys),
        queue: failing,
        now: () => NOW,
        logger: silentLogger,
      }),
    ).rejects.toThrow("queue down");
  });
});
