import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from "@aws-sdk/client-eventbridge";
import { PortcullisError } from "../errors.js";
import type { EventSink } from "../notify/scan-publisher.js";

export class EventPublishError extends PortcullisError {
  override name = "EventPublishError";
}

export interface EventBridgePublisherOptions {
  /** Name or ARN of the custom bus. */
  busName: string;
}

function describe(result: PutEventsResultEntry | undefined): string {
  return result?.ErrorCode ? `${result.ErrorCode}: ${result.ErrorMessage ?? ""}`.trim() : "no result entry";
}

/**
 * PutEvents to the custom bus. PutEvents succeeds as a call while failing entries one by one
 * (FailedEntryCount, ErrorCode per entry), and the SDK does not retry those: failed entries are
 * sent once more here, and what fails twice is an EventPublishError.
 */
export class EventBridgePublisher implements EventSink {
  constructor(
    private readonly client: Pick<EventBridgeClient, "send">,
    private readonly options: EventBridgePublisherOptions,
  ) {}

  async putEvent(entry: PutEventsRequestEntry): Promise<void> {
    await this.putEvents([entry]);
  }

  /** At most 10 entries, as PutEvents allows; returns the event ids in entry order. */
  async putEvents(entries: readonly PutEventsRequestEntry[]): Promise<string[]> {
    if (entries.length > 10) throw new RangeError("PutEvents takes at most 10 entries");
    const ids: Array<string | undefined> = new Array(entries.length).fill(undefined);
    let pending = entries.map((entry, index) => ({ entry, index }));
    let errors: string[] = [];
    for (let attempt = 0; attempt < 2 && pending.length > 0; attempt++) {
      const request = pending.map(({ entry }) => ({ ...entry, EventBusName: this.options.busName }));
      let results: PutEventsResultEntry[];
      try {
        const response = await this.client.send(new PutEventsCommand({ Entries: request }));
        results = response.Entries ?? [];
      } catch (err) {
        throw new EventPublishError(`PutEvents to ${this.options.busName} failed`, { cause: err });
      }
      const failed: typeof pending = [];
      errors = [];
      pending.forEach((item, i) => {
        const result = results[i];
        if (result?.EventId && !result.ErrorCode) ids[item.index] = result.EventId;
        else {
          failed.push(item);
          errors.push(describe(result));
        }
      });
      pending = failed;
    }
    if (pending.length > 0) {
      throw new EventPublishError(
        `${pending.length} of ${entries.length} events rejected by ${this.options.busName} twice: ${errors.join("; ")}`,
      );
    }
    return ids as string[];
  }
}
