import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import type { EventBridgeEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHandler, type NotifierHandlerDeps } from "../../functions/notifier.js";
import { DynamoDigestBuffer } from "../../lib/aws/dynamo-digest-buffer.js";
import { DynamoNotificationDedup } from "../../lib/aws/dynamo-notification-dedup.js";
import { S3BlobStore } from "../../lib/aws/s3-blob-store.js";
import { SnsPublisher } from "../../lib/aws/sns-publisher.js";
import { silentLogger } from "../../lib/logger.js";
import { changedFinding } from "../../lib/notify/image-change.js";
import { parseNotificationRules } from "../../lib/notify/notification-rules.js";
import { IMAGE_RESCANNED_DETAIL_TYPE } from "../../lib/notify/notification-source.js";
import { buildScanCompletedDetail, SCAN_COMPLETED_DETAIL_TYPE } from "../../lib/notify/scan-completed.js";
import { type DeadLetter, SlackWebhookPoster } from "../../lib/notify/slack/slack-webhook.js";
import { type AwsEmulators, createTable, startAwsEmulators } from "../helpers/aws-emulators.js";
import { finding, job, summaryFor } from "../notify/findings.js";

/**
 * The notifier Lambda end to end: the report read from s3rver, de-duplication in dynalite, Slack
 * posted to a local webhook server. SNS has no local stand-in: its client is a recorder behind
 * the real SnsPublisher.
 */
const TOPIC = "arn:aws:sns:eu-west-1:123456789012:portcullis-alerts";
const BUCKET = "portcullis-reports";
let emulators: AwsEmulators;
let slackServer: Server;
let slackUrl: string;
const slackBodies: unknown[] = [];

beforeAll(async () => {
  emulators = await startAwsEmulators([BUCKET]);
  slackServer = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      slackBodies.push(JSON.parse(body));
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => slackServer.listen(0, "127.0.0.1", resolve));
  slackUrl = `http://127.0.0.1:${(slackServer.address() as AddressInfo).port}/services/T000/B000/secret`;
});

afterAll(async () => {
  slackServer?.close();
  await emulators?.stop();
});

async function harness() {
  const table = `notify-${Math.random().toString(36).slice(2)}`;
  await createTable(emulators.dynamoClient(), table);
  const published: Array<PublishCommand["input"]> = [];
  const snsClient = {
    send: async (command: PublishCommand) => {
      published.push(command.input);
      return { MessageId: String(published.length) };
    },
  } as unknown as SNSClient;
  const letters: DeadLetter[] = [];
  const blobs = new S3BlobStore(emulators.s3Client(), { bucket: BUCKET });
  const deps: NotifierHandlerDeps = {
    rules: parseNotificationRules({
      rules: [
        { destination: { type: "sns", topic: TOPIC } },
        { minSeverity: "HIGH", destination: { type: "slack", webhookSecret: "portcullis/slack-webhook" } },
      ],
    }),
    dedup: new DynamoNotificationDedup(emulators.dynamoClient(), table),
    snsTopic: (topicArn) => new SnsPublisher(snsClient, { topicArn }),
    slack: new SlackWebhookPoster({
      resolveWebhookUrl: async () => slackUrl,
      deadLetter: async (letter) => {
        letters.push(letter);
      },
      minIntervalMs: 0,
    }),
    readReport: async (uri) => {
      const body = await blobs.get(uri.replace(`s3://${BUCKET}/`, ""));
      return body ? JSON.parse(body.toString()) : undefined;
    },
    logger: silentLogger,
  };
  return { handler: createHandler(deps), published, letters, blobs };
}

function event(detailType: string, detail: unknown): EventBridgeEvent<string, unknown> {
  return {
    version: "0",
    id: `evt-${Math.random()}`,
    "detail-type": detailType,
    source: "portcullis",
    account: "123456789012",
    time: "2026-11-28T10:00:06Z",
    region: "eu-west-1",
    resources: [],
    detail,
  };
}

const critical = finding("CVE-2026-1001", "CRITICAL");
const medium = finding("CVE-2026-1002", "MEDIUM", { name: "zlib" });

describe("notifier function", () => {
  it("announces a pushed image's findings once per destination, even when the scan event repeats", async () => {
    const { handler, published, blobs } = await harness();
    const summary = summaryFor([critical, medium]);
    await blobs.put(
      summary.reportKey as string,
      JSON.stringify({ vulnerabilities: [critical, medium] }),
      "application/json",
    );
    const detail = buildScanCompletedDetail(job, summary, [critical, medium], {
      reportUri: `s3://${BUCKET}/${summary.reportKey}`,
    });
    const before = slackBodies.length;
    const first = await handler(event(SCAN_COMPLETED_DETAIL_TYPE, detail));
    expect(first).toMatchObject({
      status: "done",
      rules: [
        { status: "sent", findings: 2 },
        { status: "sent", findings: 1 },
      ],
    });
    expect(published).toHaveLength(1);
    expect(published[0]?.TopicArn).toBe(TOPIC);
    expect(published[0]?.MessageAttributes?.severity?.StringValue).toBe("CRITICAL");
    expect(slackBodies.length - before).toBe(1);
    expect(JSON.stringify(slackBodies.at(-1))).toContain("CVE-2026-1001");
    expect(JSON.stringify(slackBodies.at(-1))).not.toContain("CVE-2026-1002");

    const again = await handler(event(SCAN_COMPLETED_DETAIL_TYPE, detail));
    expect(again).toMatchObject({ rules: [{ status: "nothing-new" }, { status: "nothing-new" }] });
    expect(published).toHaveLength(1);
    expect(slackBodies.length - before).toBe(1);
  });

  it("announces what a rescan resolved", async () => {
    const { handler, published } = await harness();
    const detail = {
      image: {
        provider: job.provider,
        account: job.account,
        region: job.region,
        repository: job.repository,
        digest: job.digest,
        tags: ["1.4.2"],
      },
      reason: "rescan",
      scannedAt: "2026-11-29T04:00:00.000Z",
      newFindings: [],
      resolvedFindings: [changedFinding(critical)],
    };
    await handler(event(IMAGE_RESCANNED_DETAIL_TYPE, detail));
    expect(published).toHaveLength(1);
    expect(published[0]?.Message).toContain("CVE-2026-1001");
    expect(published[0]?.MessageAttributes?.reason?.StringValue).toBe("rescan");
  });

  it("rejects a hostile rescan event and ignores unknown detail-types", async () => {
    const { handler, published } = await harness();
    await expect(
      handler(event(IMAGE_RESCANNED_DETAIL_TYPE, { image: { digest: "../../etc" } })),
    ).rejects.toThrow();
    expect(await handler(event("Something Else", {}))).toMatchObject({ status: "ignored" });
    expect(published).toHaveLength(0);
  });

  it("holds digest changes in the table and sends one digest when the schedule finds the window closed", async () => {
    const table = `digest-${Math.random().toString(36).slice(2)}`;
    await createTable(emulators.dynamoClient(), table);
    let clock = new Date("2026-11-28T10:10:00Z");
    const slack: unknown[] = [];
    const deps: NotifierHandlerDeps = {
      rules: parseNotificationRules({
        rules: [{ destination: { type: "slack", webhookSecret: "portcullis/digest", digest: "1h" } }],
      }),
      dedup: new DynamoNotificationDedup(emulators.dynamoClient(), table),
      digests: new DynamoDigestBuffer(emulators.dynamoClient(), table, () => clock),
      snsTopic: () => ({ publish: async () => {} }),
      slack: {
        post: async (_secret, message) => {
          slack.push(message);
          return { status: "sent", attempts: 1 };
        },
      },
      readReport: async () => undefined,
      now: () => clock,
      logger: silentLogger,
    };
    const rescan = (digestChar: string) => ({
      image: {
        provider: job.provider,
        account: job.account,
        region: job.region,
        repository: job.repository,
        digest: `sha256:${digestChar.repeat(64)}`,
        tags: [],
      },
      reason: "rescan",
      scannedAt: "2026-11-28T10:10:00.000Z",
      newFindings: [changedFinding(critical)],
      resolvedFindings: [],
    });
    // Each event is handled by a fresh handler, as separate Lambda invocations would be.
    await createHandler(deps)(event(IMAGE_RESCANNED_DETAIL_TYPE, rescan("1")));
    await createHandler(deps)(event(IMAGE_RESCANNED_DETAIL_TYPE, rescan("2")));
    expect(await createHandler(deps)(event("Scheduled Event", {}))).toEqual({
      status: "flushed",
      digests: 0,
    });
    clock = new Date("2026-11-28T11:02:00Z");
    expect(await createHandler(deps)(event("Scheduled Event", {}))).toEqual({
      status: "flushed",
      digests: 1,
    });
    expect(JSON.stringify(slack[0])).toMatch(/digest: 2 images/);
    expect(await createHandler(deps)(event("Scheduled Event", {}))).toEqual({
      status: "flushed",
      digests: 0,
    });
  });
});
