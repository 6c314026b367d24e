import { describe, expect, it } from "vitest";
import { silentLogger } from "../../lib/logger.js";
import type { ScanCompletedEntry } from "../../lib/notify/scan-completed.js";
import { ScanCompletedPublisher } from "../../lib/notify/scan-publisher.js";
import type { SnsScanMessage } from "../../lib/notify/sns-message.js";
import { finding, job, summaryFor } from "./findings.js";

const findings = [finding("CVE-2024-0001", "HIGH")];
const summary = summaryFor(findings);

function sinks(fail: { events?: boolean; sns?: boolean } = {}) {
  const events: ScanCompletedEntry[] = [];
  const messages: SnsScanMessage[] = [];
  return {
    events,
    messages,
    eventSink: {
      async putEvent(entry: ScanCompletedEntry) {
        if (fail.events) throw new Error("bus down");
        events.push(entry);
      },
    },
    messageSink: {
      async publish(message: SnsScanMessage) {
        if (fail.sns) throw new Error("topic gone");
        messages.push(message);
      },
    },
  };
}

describe("ScanCompletedPublisher", () => {
  it("sends the event and the message, with report and SBOM URIs from the bucket", async () => {
    const s = sinks();
    const publisher = new ScanCompletedPublisher({
      events: s.eventSink,
      messages: s.messageSink,
      reportBucket: "reports",
      logger: silentLogger,
      now: () => new Date("2026-11-28T10:00:06Z"),
    });
    expect(await publisher.published(job, summary, findings)).toEqual({
      status: "published",
      channels: ["eventbridge", "sns"],
    });
    expect(s.events).toHaveLength(1);
    expect(s.events[0]?.Time).toEqual(new Date("2026-11-28T10:00:06Z"));
    const detail = JSON.parse(s.events[0]?.Detail ?? "");
    expect(detail.reportUri).toBe(`s3://reports/${summary.reportKey}`);
    expect(detail.sbomUri).toBe(`s3://reports/${summary.sbomKey}`);
    expect(s.messages).toHaveLength(1);
    expect(s.messages[0]?.MessageAttributes.severity?.StringValue).toBe("HIGH");
  });

  it("reports a failed channel without throwing and still sends the other", async () => {
    const s = sinks({ events: true });
    const errors: unknown[] = [];
    const logger = {
      ...silentLogger,
      error: (_m: string, fields?: Record<string, unknown>) => errors.push(fields),
    };
    const publisher = new ScanCompletedPublisher({ events: s.eventSink, messages: s.messageSink, logger });
    expect(await publisher.published(job, summary, findings)).toEqual({
      status: "failed",
      channels: ["sns"],
      failures: [{ channel: "eventbridge", reason: "Error: bus down" }],
    });
    expect(s.messages).toHaveLength(1);
    expect(errors).toEqual([
      { imageKey: summary.imageKey, channel: "eventbridge", error: "Error: bus down" },
    ]);
  });

  it("leaves URIs out without a bucket and sends only the configured channel", async () => {
    const s = sinks();
    const publisher = new ScanCompletedPublisher({ messages: s.messageSink, logger: silentLogger });
    expect(await publisher.published(job, summary, findings)).toEqual({
      status: "published",
      channels: ["sns"],
    });
    expect(JSON.parse(s.messages[0]?.Message ?? "{}")).not.toHaveProperty("reportUri");
  });
});
