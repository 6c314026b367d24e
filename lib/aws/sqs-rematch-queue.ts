import {
  SendMessageBatchCommand,
  type SendMessageBatchCommandOutput,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { PortcullisError } from "../errors.js";
import type { RematchMessage } from "../rescan/rematch-message.js";

/** SQS takes at most ten messages per SendMessageBatch. */
const BATCH_SIZE = 10;

export class RematchQueueError extends PortcullisError {
  override name = "RematchQueueError";
}

/** The re-match fan-out: each message body is one RematchMessage. */
export class SqsRematchQueue {
  constructor(
    private readonly client: Pick<SQSClient, "send">,
    private readonly queueUrl: string,
  ) {}

  async send(messages: readonly RematchMessage[]): Promise<void> {
    for (let start = 0; start < messages.length; start += BATCH_SIZE) {
      const batch = messages.slice(start, start + BATCH_SIZE);
      let pending = batch.map((message, i) => ({ Id: String(i), MessageBody: JSON.stringify(message) }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        const output: SendMessageBatchCommandOutput = await this.client.send(
          new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }),
        );
        const failed = output.Failed ?? [];
        if (failed.length === 0) break;
        if (attempt >= 3 || failed.some((f) => f.SenderFault)) {
          throw new RematchQueueError(
            `SQS rejected ${failed.length} re-match messages: ${failed[0]?.Code ?? "?"}`,
          );
        }
        const ids = new Set(failed.map((f) => f.Id));
        pending = pending.filter((e) => ids.has(e.Id));
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
  }
}
