import type { SendMessageBatchCommand, SendMessageBatchCommandOutput } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { QueueError, SqsScanQueue } from "../../../lib/aws/sqs-scan-queue.js";
import type { ScanJob } from "../../../lib/stores/scan-job.js";

const job = (i: number): ScanJob => ({
  v: 1,
  provider: "ecr",
  account: "123456789012",
  region: "us-west-2",
  repository: `repo-${i}`,
  digest: `sha256:${i.toString(16).padStart(64, "0")}`,
  registry: "123456789012.dkr.ecr.us-west-2.amazonaws.com",
  reason: "push",
  eventTime: "2026-01-01T00:00:00.000Z",
});

type Entry = NonNullable<SendMessageBatchCommand["input"]["Entries"]>[number];

/**
 * Stands in for SQSClient: answers SendMessageBatch the documented way, with Successful and
 * Failed entries (Id, SenderFault, Code, Message). `fail` decides per entry and call.
 */
function standIn(fail: (entry: Entry, call: number) => { code: string; senderFault: boolean } | undefined) {
  const calls: Entry[][] = [];
  return {
    calls,
    async send(command: SendMessageBatchCommand): Promise<SendMessageBatchCommandOutput> {
      const entries = command.input.Entries ?? [];
      if (entries.length > 10) throw new Error("AWS.SimpleQueueService.TooManyEntriesInBatchRequest");
      const call = calls.push(entries) - 1;
      const Successful: NonNullable<SendMessageBatchCommandOutput["Successful"]> = [];
      const Failed: NonNullable<SendMessageBatchCommandOutput["Failed"]> = [];
      for (const e of entries) {
        const f = fail(e, call);
        if (f) Failed.push({ Id: e.Id, SenderFault: f.senderFault, Code: f.code, Message: "failed" });
        else Successful.push({ Id: e.Id, MessageId: `m-${call}-${e.Id}`, MD5OfMessageBody: "x" });
      }
      return { $metadata: { httpStatusCode: 200 }, Successful, Failed };
    },
  };
}

const bodies = (calls: Entry[][]) => calls.flat().map((e) => JSON.parse(e.MessageBody ?? "") as ScanJob);

describe("SqsScanQueue", () => {
  it("sends 23 jobs as batches of 10, 10 and 3 with the job as the body", async () => {
    const client = standIn(() => undefined);
    const queue = new SqsScanQueue({ client, queueUrl: "https://sqs.us-west-2.amazonaws.com/1/scan" });
    const jobs = Array.from({ length: 23 }, (_, i) => job(i));
    await queue.enqueue(jobs);
    expect(client.calls.map((c) => c.length)).toEqual([10, 10, 3]);
    expect(bodies(client.calls)).toEqual(jobs);
    expect(client.calls[0]?.[0]).not.toHaveProperty("MessageDeduplicationId");
    expect(client.calls[0]?.[0]).not.toHaveProperty("MessageGroupId");
  });

  it("re-sends only the entries SQS failed, then succeeds", async () => {
    const client = standIn((e, call) =>
      call < 2 && ["2", "7"].includes(e.Id ?? "") ? { code: "InternalError", senderFault: false } : undefined,
    );
    const queue = new SqsScanQueue({ client, queueUrl: "https://sqs/1/scan", baseDelayMs: 1 });
    await queue.enqueue(Array.from({ length: 10 }, (_, i) => job(i)));
    expect(client.calls.map((c) => c.map((e) => e.Id))).toEqual([
      ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
      ["2", "7"],
      ["2", "7"],
    ]);
  });

  it("gives up after the retries with the failed ids and codes", async () => {
    const client = standIn((e) =>
      e.Id === "1" ? { code: "ServiceUnavailable", senderFault: false } : undefined,
    );
    const queue = new SqsScanQueue({ client, queueUrl: "https://sqs/1/scan", retries: 2, baseDelayMs: 1 });
    await expect(queue.enqueue([job(0), job(1)])).rejects.toThrow(
      new QueueError("SQS rejected 1 of 1 scan jobs: 1: ServiceUnavailable failed"),
    );
    expect(client.calls).toHaveLength(3);
  });

  it("does not retry a sender fault", async () => {
    const client = standIn(() => ({ code: "InvalidParameterValue", senderFault: true }));
    const queue = new SqsScanQueue({ client, queueUrl: "https://sqs/1/scan", baseDelayMs: 1 });
    await expect(queue.enqueue([job(0)])).rejects.toThrow(/InvalidParameterValue/);
    expect(client.calls).toHaveLength(1);
  });

  it("sets a group and a deduplication id on a FIFO queue, stable for the same event", async () => {
    const client = standIn(() => undefined);
    const queue = new SqsScanQueue({ client, queueUrl: "https://sqs/1/scan.fifo" });
    await queue.enqueue([job(1), job(1), job(2)]);
    const [a, b, c] = client.calls[0] ?? [];
    expect(a?.MessageDeduplicationId).toMatch(/^[a-f0-9]{64}$/);
    expect(a?.MessageDeduplicationId).toBe(b?.MessageDeduplicationId);
    expect(a?.MessageGroupId).toBe(b?.MessageGroupId);
    expect(c?.MessageDeduplicationId).not.toBe(a?.MessageDeduplicationId);
  });

  it("sends nothing for no jobs", async () => {
    const client = standIn(() => undefined);
    await new SqsScanQueue({ client, queueUrl: "https://sqs/1/scan" }).enqueue([]);
    expect(client.calls).toEqual([]);
  });
});
