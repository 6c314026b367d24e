import { createHash } from "node:crypto";
import {
  SendMessageBatchCommand,
  type SendMessageBatchCommandOutput,
  type SendMessageBatchRequestEntry,
} from "@aws-sdk/client-sqs";
import { PortcullisError } from "../errors.js";
import { type Logger, silentLogger } from "../logger.js";
import { imageKey, type ScanJob, type ScanQueue } from "../stores/scan-job.js";

/** The one SQS call the queue makes; SQSClient satisfies it, tests pass a stand-in. */
export interface SqsBatchClient {
  send(command: SendMessageBatchCommand): Promise<SendMessageBatchCommandOutput>;
}

export interface SqsScanQueueOptions {
  client: SqsBatchClient;
  queueUrl: string;
  /** Rounds of re-sending entries SQS reported as failed (not counting the first send). */
  retries?: number;
  /** Backoff before retry round n: baseDelayMs * 2^(n-1). */
  baseDelayMs?: number;
  logger?: Logger;
}

export class QueueError extends PortcullisError {
  override name = "QueueError";
}

/** SendMessageBatch takes at most 10 entries. */
const BATCH_SIZE = 10;

/** Scan jobs onto an SQS queue (standard or FIFO) with SendMessageBatch. */
export class SqsScanQueue implements ScanQueue {
  private readonly fifo: boolean;

  constructor(private readonly options: SqsScanQueueOptions) {
    this.fifo = options.queueUrl.endsWith(".fifo");
  }

  async enqueue(jobs: readonly ScanJob[]): Promise<void> {
    for (let start = 0; start < jobs.length; start += BATCH_SIZE) {
      await this.sendBatch(jobs.slice(start, start + BATCH_SIZE));
    }
  }

  private async sendBatch(jobs: readonly ScanJob[]): Promise<void> {
    const { client, queueUrl, retries = 3, baseDelayMs = 100, logger = silentLogger } = this.options;
    let pending = jobs.map((job, i) => this.entry(job, i));
    for (let attempt = 0; ; attempt++) {
      const output = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }));
      const failed = output.Failed ?? [];
      if (failed.length === 0) return;
      // A sender fault (bad attribute, body too large) fails the same way every time.
      const permanent = failed.filter((f) => f.SenderFault);
      if (permanent.length > 0 || attempt >= retries) {
        const detail = failed.map((f) => `${f.Id}: ${f.Code ?? "?"} ${f.Message ?? ""}`.trim()).join("; ");
        throw new QueueError(`SQS rejected ${failed.length} of ${pending.length} scan jobs: ${detail}`);
      }
      const failedIds = new Set(failed.map((f) => f.Id));
      pending = pending.filter((e) => failedIds.has(e.Id));
      logger.warn("retrying failed SQS entries", { count: pending.length, attempt: attempt + 1 });
      await new Promise((r) => setTimeout(r, baseDelayMs * 2 ** attempt));
    }
  }

  private entry(job: ScanJob, index: number): SendMessageBatchRequestEntry {
    const entry: SendMessageBatchRequestEntry = { Id: String(index), MessageBody: JSON.stringify(job) };
    if (this.fifo) {
      const key = imageKey(job);
      // FIFO requires a group; one group per image keeps its events in order, others in parallel.
      entry.MessageGroupId = sha256(key);
      // Same image, same event → same id, so a replayed event within 5 minutes is dropped by SQS.
      entry.MessageDeduplicationId = sha256(`${key}\n${job.reason}\n${job.eventTime}`);
    }
    return entry;
  }
}

function sha256(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}
