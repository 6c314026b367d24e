import type { PutEventsCommand, PutEventsCommandOutput } from "@aws-sdk/client-eventbridge";
import type { PublishCommand, PublishCommandOutput } from "@aws-sdk/client-sns";

/**
 * EventBridge and SNS have no local emulator, so these stand in for the SDK clients' `send`,
 * answering with the documented response shapes: PutEvents returns one result per entry in request
 * order, each with EventId or ErrorCode + ErrorMessage, and FailedEntryCount; Publish a MessageId.
 */
export class StandInEventBridge {
  readonly requests: PutEventsCommand["input"][] = [];
  /** Per call, per entry: an ErrorCode to fail it with, or undefined to accept it. */
  constructor(private readonly failures: Array<Array<string | undefined>> = []) {}
  error?: Error;

  async send(command: PutEventsCommand): Promise<PutEventsCommandOutput> {
    if (this.error) throw this.error;
    const call = this.requests.length;
    this.requests.push(command.input);
    const plan = this.failures[call] ?? [];
    const Entries = (command.input.Entries ?? []).map((_, i) => {
      const code = plan[i];
      return code
        ? { ErrorCode: code, ErrorMessage: `${code} for entry ${i}` }
        : { EventId: `11710aed-b79e-4468-a20b-bb3c0c3b${String(call * 10 + i).padStart(4, "0")}` };
    });
    return {
      $metadata: { httpStatusCode: 200 },
      FailedEntryCount: Entries.filter((e) => "ErrorCode" in e).length,
      Entries,
    };
  }
}

export class StandInSns {
  readonly requests: PublishCommand["input"][] = [];
  error?: Error;

  async send(command: PublishCommand): Promise<PublishCommandOutput> {
    if (this.error) throw this.error;
    this.requests.push(command.input);
    return {
      $metadata: { httpStatusCode: 200 },
      MessageId: `567910cd-659e-55d4-8ccb-5aaf1437${String(this.requests.length).padStart(4, "0")}`,
    };
  }
}
