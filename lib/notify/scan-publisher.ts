import type { Logger } from "../logger.js";
import type { VulnerabilityFinding } from "../matching/finding.js";
import type { ScanSummary } from "../stores/findings-store.js";
import type { ScanJob } from "../stores/scan-job.js";
import {
  buildScanCompletedDetail,
  type ScanCompletedEntry,
  s3Uri,
  scanCompletedEntry,
} from "./scan-completed.js";
import { buildSnsScanMessage, type SnsScanMessage } from "./sns-message.js";

export type NotifyChannel = "eventbridge" | "sns";

/**
 * What became of a scan's notification. A failure never fails the scan: the scan is stored and a
 * redelivered job would only find a duplicate, so retrying the job cannot re-send it. Instead the
 * worker logs it as an error and counts it (metric NotificationFailures) for an alarm to catch.
 */
export type PublishOutcome =
  | { status: "published"; channels: NotifyChannel[] }
  | {
      status: "failed";
      channels: NotifyChannel[];
      /** "publisher": the notification could not even be built. */
      failures: Array<{ channel: NotifyChannel | "publisher"; reason: string }>;
    };

/** Announces a stored scan. Implementations report failures in the outcome; they do not throw. */
export interface ScanPublisher {
  published(
    job: ScanJob,
    summary: ScanSummary,
    findings: readonly VulnerabilityFinding[],
  ): Promise<PublishOutcome>;
}

/** Puts one event on the bus (EventBridgePublisher); throws when it could not. */
export interface EventSink {
  putEvent(entry: ScanCompletedEntry): Promise<void>;
}

/** Publishes one message to the topic (SnsPublisher); throws when it could not. */
export interface MessageSink {
  publish(message: SnsScanMessage): Promise<void>;
}

export interface ScanCompletedPublisherOptions {
  events?: EventSink;
  messages?: MessageSink;
  /** Bucket of the report and SBOM keys in the summary, for their s3:// URIs. */
  reportBucket?: string;
  logger: Logger;
  now?: () => Date;
}

function reason(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/**
 * The bus event and the SNS message for one scan, sent independently: one channel failing does
 * not stop the other.
 */
export class ScanCompletedPublisher implements ScanPublisher {
  constructor(private readonly options: ScanCompletedPublisherOptions) {}

  async published(
    job: ScanJob,
    summary: ScanSummary,
    findings: readonly VulnerabilityFinding[],
  ): Promise<PublishOutcome> {
    const { events, messages, reportBucket, logger } = this.options;
    const uri = (key: string | undefined) =>
      reportBucket !== undefined && key !== undefined ? s3Uri(reportBucket, key) : undefined;
    const reportUri = uri(summary.reportKey);
    const sbomUri = uri(summary.sbomKey);
    const channels: NotifyChannel[] = [];
    const failures: Array<{ channel: NotifyChannel; reason: string }> = [];
    const attempt = async (channel: NotifyChannel, send: () => Promise<void>) => {
      try {
        await send();
        channels.push(channel);
      } catch (err) {
        failures.push({ channel, reason: reason(err) });
        logger.error("scan notification failed", { imageKey: summary.imageKey, channel, error: reason(err) });
      }
    };
    let detail: ReturnType<typeof buildScanCompletedDetail>;
    try {
      detail = buildScanCompletedDetail(job, summary, findings, {
        ...(reportUri !== undefined ? { reportUri } : {}),
        ...(sbomUri !== undefined ? { sbomUri } : {}),
      });
    } catch (err) {
      logger.error("scan notification failed", { imageKey: summary.imageKey, error: reason(err) });
      return { status: "failed", channels, failures: [{ channel: "publisher", reason: reason(err) }] };
    }
    await Promise.all([
      events
        ? attempt("eventbridge", () => events.putEvent(scanCompletedEntry(detail, this.options.now?.())))
        : undefined,
      messages ? attempt("sns", () => messages.publish(buildSnsScanMessage(detail))) : undefined,
    ]);
    channels.sort();
    return failures.length > 0 ? { status: "failed", channels, failures } : { status: "published", channels };
  }
}
