import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { EventBridgeEvent } from "aws-lambda";
import { DynamoDigestBuffer } from "../lib/aws/dynamo-digest-buffer.js";
import { DynamoNotificationDedup } from "../lib/aws/dynamo-notification-dedup.js";
import { S3BlobStore } from "../lib/aws/s3-blob-store.js";
import { SnsPublisher } from "../lib/aws/sns-publisher.js";
import type { Logger } from "../lib/logger.js";
import type { ImageChange } from "../lib/notify/image-change.js";
import { parseNotificationRules } from "../lib/notify/notification-rules.js";
import {
  changeFromRescanDetail,
  changeFromScan,
  IMAGE_RESCANNED_DETAIL_TYPE,
} from "../lib/notify/notification-source.js";
import { flushDigests, type NotifierDeps, notifyChange, type RuleOutcome } from "../lib/notify/notifier.js";
import { SCAN_COMPLETED_DETAIL_TYPE, type ScanCompletedDetail } from "../lib/notify/scan-completed.js";
import { SlackWebhookPoster } from "../lib/notify/slack/slack-webhook.js";
import type { ScanReport } from "../lib/report/scan-report.js";
import { optionalEnv, requiredEnv } from "./aws-env.js";
import { loggerPort } from "./powertools-logger.js";
import { traced } from "./powertools-tracer.js";

export type NotifierHandlerDeps = NotifierDeps & {
  /** The full report a Scan Completed event points at (its s3:// URI). */
  readReport(uri: string): Promise<Pick<ScanReport, "vulnerabilities"> | undefined>;
  countMetric?: (name: string, value: number) => void;
};

export type NotifierResult =
  | { status: "ignored"; reason: string }
  | { status: "done"; rules: RuleOutcome[] }
  | { status: "flushed"; digests: number };

/** The schedule that sends digests whose window has closed. */
const SCHEDULED_EVENT = "Scheduled Event";

/**
 * EventBridge target for `Portcullis Scan Completed` and `Portcullis Image Rescanned`. A failure
 * to send throws (after releasing its de-duplication keys), so EventBridge's retries and the
 * target's dead-letter queue see it; a malformed event throws a validation error the same way.
 */
export function createHandler(
  deps: NotifierHandlerDeps,
): (event: EventBridgeEvent<string, unknown>) => Promise<NotifierResult> {
  return async (event) => {
    if (event["detail-type"] === SCHEDULED_EVENT)
      return { status: "flushed", digests: await flushDigests(deps) };
    const change = await changeOf(event, deps);
    if ("ignored" in change) {
      deps.logger.warn("event not notified", { id: event.id, reason: change.ignored });
      return { status: "ignored", reason: change.ignored };
    }
    try {
      const rules = await notifyChange(change, deps);
      const sent = rules.filter((r) => r.status !== "nothing-new").length;
      deps.countMetric?.("NotificationsSent", sent);
      deps.logger.info("image change notified", { id: event.id, rules });
      return { status: "done", rules };
    } catch (err) {
      deps.countMetric?.("NotificationFailures", 1);
      throw err;
    }
  };
}

async function changeOf(
  event: EventBridgeEvent<string, unknown>,
  deps: NotifierHandlerDeps,
): Promise<ImageChange | { ignored: string }> {
  if (event["detail-type"] === IMAGE_RESCANNED_DETAIL_TYPE) return changeFromRescanDetail(event.detail);
  if (event["detail-type"] !== SCAN_COMPLETED_DETAIL_TYPE)
    return {
      ignored: `unexpected detail-type ${JSON.stringify(String(event["detail-type"]).slice(0, 100))}`,
    };
  const detail = event.detail as ScanCompletedDetail;
  if (!detail?.reportUri) return { ignored: "the scan event names no report" };
  const report = await deps.readReport(detail.reportUri);
  if (!report) throw new Error(`report ${detail.reportUri} not found`);
  return changeFromScan(detail, report);
}

/** s3://bucket/key → the report object's JSON. */
async function readS3Report(
  s3: S3Client,
  uri: string,
): Promise<Pick<ScanReport, "vulnerabilities"> | undefined> {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new Error(`not an s3:// URI: ${uri.slice(0, 200)}`);
  const body = await new S3BlobStore(s3, { bucket: match[1] as string }).get(match[2] as string);
  return body ? (JSON.parse(body.toString("utf8")) as ScanReport) : undefined;
}

/** Webhook URLs are credentials: read from Secrets Manager, cached for a few minutes per secret. */
function secretReader(client: SecretsManagerClient, ttlMs = 5 * 60_000): (id: string) => Promise<string> {
  const cache = new Map<string, { value: Promise<string>; at: number }>();
  return (id) => {
    const hit = cache.get(id);
    if (hit && Date.now() - hit.at < ttlMs) return hit.value;
    const value = client.send(new GetSecretValueCommand({ SecretId: id })).then((out) => {
      if (!out.SecretString) throw new Error(`secret ${id} holds no string`);
      return out.SecretString.trim();
    });
    value.catch(() => cache.delete(id));
    cache.set(id, { value, at: Date.now() });
    return value;
  };
}

let real: ReturnType<typeof createHandler> | undefined;

export const handler = async (event: EventBridgeEvent<string, unknown>): Promise<NotifierResult> => {
  real ??= coldStart();
  return real(event);
};

function coldStart(): ReturnType<typeof createHandler> {
  const logger: Logger = loggerPort(new PowertoolsLogger({ serviceName: "portcullis-notifier" }));
  const metrics = new Metrics({ namespace: "Portcullis", serviceName: "notifier" });
  const s3 = traced(new S3Client({}));
  const sns = traced(new SNSClient({}));
  const sqs = traced(new SQSClient({}));
  const deadLetterQueue = requiredEnv("DEAD_LETTER_QUEUE_URL");
  const dynamo = traced(new DynamoDBClient({}));
  const table = requiredEnv("TABLE_NAME");
  const rules = parseNotificationRules(JSON.parse(optionalEnv("NOTIFICATION_RULES") ?? '{"rules":[]}'));
  return createHandler({
    rules,
    dedup: new DynamoNotificationDedup(dynamo, table),
    digests: new DynamoDigestBuffer(dynamo, table),
    snsTopic: (topicArn) => new SnsPublisher(sns, { topicArn }),
    slack: new SlackWebhookPoster({
      resolveWebhookUrl: secretReader(traced(new SecretsManagerClient({}))),
      // Undeliverable Slack messages are kept for a replay, never dropped.
      deadLetter: async (letter) => {
        await sqs.send(
          new SendMessageCommand({ QueueUrl: deadLetterQueue, MessageBody: JSON.stringify(letter) }),
        );
      },
      logger,
    }),
    readReport: (uri) => readS3Report(s3, uri),
    countMetric: (name, value) => {
      metrics.addMetric(name, MetricUnit.Count, value);
      metrics.publishStoredMetrics();
    },
    logger,
  });
}
