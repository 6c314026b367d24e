import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { PortcullisError } from "../errors.js";
import type { MessageSink } from "../notify/scan-publisher.js";
import type { SnsScanMessage } from "../notify/sns-message.js";

export class SnsPublishError extends PortcullisError {
  override name = "SnsPublishError";
}

export interface SnsPublisherOptions {
  topicArn: string;
}

/** Publish to one topic; the SDK already retries throttling and 5xx, so a throw here is final. */
export class SnsPublisher implements MessageSink {
  constructor(
    private readonly client: Pick<SNSClient, "send">,
    private readonly options: SnsPublisherOptions,
  ) {}

  async publish(message: SnsScanMessage): Promise<void> {
    await this.publishMessage(message);
  }

  /** Returns the MessageId SNS assigned. */
  async publishMessage(message: SnsScanMessage): Promise<string> {
    try {
      const response = await this.client.send(
        new PublishCommand({ TopicArn: this.options.topicArn, ...message }),
      );
      if (!response.MessageId) throw new SnsPublishError("Publish returned no MessageId");
      return response.MessageId;
    } catch (err) {
      if (err instanceof SnsPublishError) throw err;
      throw new SnsPublishError(`Publish to ${this.options.topicArn} failed`, { cause: err });
    }
  }
}
