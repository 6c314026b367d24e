import type { BatchWriteCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import {
  BATCH_WRITE_LIMIT,
  type BatchWriteClient,
  batchWriteAll,
} from "../../../lib/aws/dynamo-batch-write.js";
import { DynamoStoreError } from "../../../lib/aws/dynamo-errors.js";

type Request = { PutRequest: { Item: Record<string, unknown> } };

const requests = (n: number): Request[] =>
  Array.from({ length: n }, (_, i) => ({ PutRequest: { Item: { PK: "P", SK: `S${i}` } } }));

/** Accepts at most `accept` items per call and hands the rest back as UnprocessedItems. */
function fakeClient(accept: number, failCalls = Number.POSITIVE_INFINITY) {
  const calls: number[] = [];
  const written: string[] = [];
  const client: BatchWriteClient = {
    async send(command: BatchWriteCommand) {
      const batch = (command.input.RequestItems?.t ?? []) as Request[];
      calls.push(batch.length);
      const take = calls.length <= failCalls ? accept : batch.length;
      for (const r of batch.slice(0, take)) written.push(String(r.PutRequest.Item.SK));
      const rest = batch.slice(take);
      const unprocessed: Record<string, Request[]> = rest.length > 0 ? { t: rest } : {};
      return { UnprocessedItems: unprocessed };
    },
  };
  return { client, calls, written };
}

const noSleep = async () => {};

describe("batchWriteAll", () => {
  it("splits into batches of 25", async () => {
    const fake = fakeClient(BATCH_WRITE_LIMIT);
    await batchWriteAll(fake.client, "t", requests(60), { sleep: noSleep });
    expect(fake.calls.sort((a, b) => b - a)).toEqual([25, 25, 10]);
    expect(new Set(fake.written).size).toBe(60);
  });

  it("retries UnprocessedItems with backoff until all are written", async () => {
    const fake = fakeClient(7);
    const delays: number[] = [];
    await batchWriteAll(fake.client, "t", requests(25), {
      concurrency: 1,
      baseDelayMs: 10,
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    expect(fake.calls).toEqual([25, 18, 11, 4]);
    expect(new Set(fake.written).size).toBe(25);
    expect(delays).toHaveLength(3);
    delays.forEach((ms, i) => {
      expect(ms).toBeLessThanOrEqual(10 * 2 ** i);
    });
  });

  it("gives up with a DynamoStoreError after maxAttempts", async () => {
    const fake = fakeClient(0);
    await expect(
      batchWriteAll(fake.client, "t", requests(3), { maxAttempts: 3, sleep: noSleep }),
    ).rejects.toThrow(DynamoStoreError);
    expect(fake.calls).toEqual([3, 3, 3]);
  });

  it("does nothing for no requests", async () => {
    const fake = fakeClient(25);
    await batchWriteAll(fake.client, "t", [], { sleep: noSleep });
    expect(fake.calls).toEqual([]);
  });
});
