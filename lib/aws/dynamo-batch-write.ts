import type { BatchWriteCommandInput, BatchWriteCommandOutput } from "@aws-sdk/lib-dynamodb";
import { BatchWriteCommand } from "@aws-sdk/lib-dynamodb";
import { DynamoStoreError } from "./dynamo-errors.js";

/** BatchWriteItem takes at most 25 requests. */
export const BATCH_WRITE_LIMIT = 25;

type WriteRequest = NonNullable<BatchWriteCommandInput["RequestItems"]>[string][number];

/** The one method the batch writer needs, so tests can pass a fake client. */
export interface BatchWriteClient {
  send(command: BatchWriteCommand): Promise<Pick<BatchWriteCommandOutput, "UnprocessedItems">>;
}

export interface BatchWriteOptions {
  /** Attempts per batch, the first included. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Batches in flight at once. */
  concurrency?: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Writes every request in batches of 25. DynamoDB may accept part of a batch and hand the rest back
 * as UnprocessedItems (throttling); those are retried with exponential backoff and full jitter.
 * Writes are not atomic across batches (no TransactWriteItems in dynalite, and 100-item limits in
 * DynamoDB): callers order their writes so a partial failure is repaired by a retry.
 */
export async function batchWriteAll(
  client: BatchWriteClient,
  tableName: string,
  requests: readonly WriteRequest[],
  options: BatchWriteOptions = {},
): Promise<void> {
  const batches: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += BATCH_WRITE_LIMIT) {
    batches.push(requests.slice(i, i + BATCH_WRITE_LIMIT));
  }
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++];
      if (batch) await writeBatch(client, tableName, batch, options);
    }
  };
  const concurrency = Math.max(1, options.concurrency ?? 4);
  await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
}

async function writeBatch(
  client: BatchWriteClient,
  tableName: string,
  batch: WriteRequest[],
  options: BatchWriteOptions,
): Promise<void> {
  const maxAttempts = options.maxAttempts ?? 8;
  const baseDelayMs = options.baseDelayMs ?? 50;
  const maxDelayMs = options.maxDelayMs ?? 5_000;
  const sleep = options.sleep ?? defaultSleep;
  let pending = batch;
  for (let attempt = 1; ; attempt++) {
    const output = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
    pending = output.UnprocessedItems?.[tableName] ?? [];
    if (pending.length === 0) return;
    if (attempt >= maxAttempts) {
      throw new DynamoStoreError(
        `BatchWriteItem left ${pending.length} of ${batch.length} items unprocessed after ${attempt} attempts`,
      );
    }
    const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    await sleep(Math.random() * cap);
  }
}
