import type { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { SNSClient } from "@aws-sdk/client-sns";
import { describe, expect, it } from "vitest";
import { EventBridgePublisher, EventPublishError } from "../../../lib/aws/eventbridge-publisher.js";
import { SnsPublishError, SnsPublisher } from "../../../lib/aws/sns-publisher.js";
import { buildScanCompletedDetail, scanCompletedEntry } from "../../../lib/notify/scan-completed.js";
import { buildSnsScanMessage } from "../../../lib/notify/sns-message.js";
import { finding, job, summaryFor } from "../../notify/findings.js";
import { StandInEventBridge, StandInSns } from "./stand-in-clients.js";

const findings = [finding("CVE-2024-0001", "CRITICAL")];
const detail = buildScanCompletedDetail(job, summaryFor(findings), findings);
const entry = scanCompletedEntry(detail);
const asEvents = (c: StandInEventBridge) => c as unknown as EventBridgeClient;
const asSns = (c: StandInSns) => c as unknown as SNSClient;

describe("EventBridgePublisher", () => {
  it("puts the entry on the named bus", async () => {
    const client = new StandInEventBridge();
    const ids = await new EventBridgePublisher(asEvents(client), { busName: "portcullis" }).putEvents([
      entry,
    ]);
    expect(ids).toHaveLength(1);
    expect(client.requests).toEqual([
      {
        Entries: [
          {
            EventBusName: "portcullis",
            Source: "portcullis",
            DetailType: "Portcullis Scan Completed",
            Detail: entry.Detail,
          },
        ],
      },
    ]);
  });

  it("resends only the failed entries once and keeps the ids in entry order", async () => {
    const client = new StandInEventBridge([[undefined, "ThrottlingException", undefined]]);
    const publisher = new EventBridgePublisher(asEvents(client), { busName: "portcullis" });
    const second = { ...entry, Detail: '{"n":2}' };
    const ids = await publisher.putEvents([entry, second, entry]);
    expect(client.requests).toHaveLength(2);
    expect(client.requests[1]?.Entries).toEqual([{ ...second, EventBusName: "portcullis" }]);
    expect(ids[1]).toMatch(/0010$/);
    expect(ids[0]).toMatch(/0000$/);
    expect(ids[2]).toMatch(/0002$/);
  });

  it("fails with the error codes when an entry is rejected twice", async () => {
    const client = new StandInEventBridge([["InternalFailure"], ["InternalFailure"]]);
    const publisher = new EventBridgePublisher(asEvents(client), { busName: "portcullis" });
    const failure = publisher.putEvent(entry);
    await expect(failure).rejects.toThrow(EventPublishError);
    await expect(failure).rejects.toThrow(/1 of 1 events rejected by portcullis twice: InternalFailure/);
    expect(client.requests).toHaveLength(2);
  });

  it("wraps a failed call with its cause", async () => {
    const client = new StandInEventBridge();
    client.error = Object.assign(new Error("denied"), { name: "AccessDeniedException" });
    const err = await new EventBridgePublisher(asEvents(client), { busName: "b" })
      .putEvent(entry)
      .catch((e) => e);
    expect(err).toBeInstanceOf(EventPublishError);
    expect((err as Error).cause).toBe(client.error);
  });
});

describe("SnsPublisher", () => {
  it("publishes the message with its attributes to the topic", async () => {
    const client = new StandInSns();
    const message = buildSnsScanMessage(detail);
    const topicArn = "arn:aws:sns:eu-west-1:123456789012:scans";
    const id = await new SnsPublisher(asSns(client), { topicArn }).publishMessage(message);
    expect(id).toMatch(/0001$/);
    expect(client.requests).toEqual([{ TopicArn: topicArn, ...message }]);
  });

  it("wraps a failed Publish", async () => {
    const client = new StandInSns();
    client.error = Object.assign(new Error("KMS key disabled"), { name: "KMSDisabledException" });
    const publisher = new SnsPublisher(asSns(client), { topicArn: "arn:aws:sns:eu-west-1:1:t" });
    await expect(publisher.publish(buildSnsScanMessage(detail))).rejects.toThrow(SnsPublishError);
  });
});
