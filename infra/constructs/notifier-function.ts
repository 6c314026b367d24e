import { Duration, Stack } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { type IEventBus, Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { NagSuppressions } from "cdk-nag";
import { Construct } from "constructs";
import type { NotificationRule } from "../../lib/notify/notification-rules.js";
import { IMAGE_RESCANNED_DETAIL_TYPE } from "../../lib/notify/notification-source.js";
import { EVENT_SOURCE, SCAN_COMPLETED_DETAIL_TYPE } from "../../lib/notify/scan-completed.js";
import { PortcullisFunction } from "./portcullis-function.js";

export interface NotifierFunctionProps {
  readonly bus: IEventBus;
  readonly table: ITable;
  readonly reportBucket: IBucket;
  readonly dataKey: IKey;
  /** Validated at synth (readConfig); they decide which topics and secrets the function may use. */
  readonly rules: readonly NotificationRule[];
}

/**
 * The notifier: Scan Completed and Image Rescanned events from the bus → rules → SNS topics and
 * Slack webhooks. Events it cannot handle are retried by EventBridge and then kept in a queue;
 * Slack messages Slack never accepted are kept in another. Nothing is dropped silently.
 */
export class NotifierFunction extends Construct {
  readonly function: PortcullisFunction;
  readonly rule: Rule;
  /** Events the function failed on after EventBridge's retries. */
  readonly eventDlq: Queue;
  /** Slack messages that could not be delivered, for a replay. */
  readonly slackDeadLetters: Queue;

  constructor(scope: Construct, id: string, props: NotifierFunctionProps) {
    super(scope, id);
    const queue = (name: string) =>
      new Queue(this, name, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
    this.eventDlq = queue("EventDlq");
    this.slackDeadLetters = queue("SlackDeadLetters");
    for (const q of [this.eventDlq, this.slackDeadLetters]) {
      NagSuppressions.addResourceSuppressions(q, [
        { id: "AwsSolutions-SQS3", reason: "This queue is itself the dead-letter store of the notifier." },
      ]);
    }

    this.function = new PortcullisFunction(this, "Handler", {
      entry: "functions/notifier.ts",
      description: "Sends what is new or resolved in an image to SNS topics and Slack, each finding once",
      timeout: Duration.minutes(2),
      memorySize: 512,
      // One instance: Slack's one message per second per webhook then holds across the fleet, and
      // EventBridge queues (and retries) the events meanwhile.
      reservedConcurrentExecutions: 1,
      environment: {
        TABLE_NAME: props.table.tableName,
        DEAD_LETTER_QUEUE_URL: this.slackDeadLetters.queueUrl,
        NOTIFICATION_RULES: JSON.stringify({ rules: props.rules.map(serialisable) }),
      },
    });
    this.grant(props);

    this.rule = new Rule(this, "Events", {
      description: "Scan results and rescan results for the notifier",
      eventBus: props.bus,
      eventPattern: {
        source: [EVENT_SOURCE],
        detailType: [SCAN_COMPLETED_DETAIL_TYPE, IMAGE_RESCANNED_DETAIL_TYPE],
      },
    });
    this.rule.addTarget(
      new LambdaFunction(this.function.fn, {
        retryAttempts: 8,
        maxEventAge: Duration.hours(6),
        deadLetterQueue: this.eventDlq,
      }),
    );
    // Digest windows close on the clock: every few minutes the function sends those that have.
    new Rule(this, "DigestFlush", {
      description: "Sends Slack digests whose window has closed",
      schedule: Schedule.rate(Duration.minutes(5)),
    }).addTarget(new LambdaFunction(this.function.fn, { retryAttempts: 2 }));
  }

  private grant(props: NotifierFunctionProps): void {
    const role = this.function.role;
    // De-duplication items live in the table.
    props.table.grantReadWriteData(role);
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "ReadReports",
        actions: ["s3:GetObject"],
        resources: [props.reportBucket.arnForObjects("reports/*")],
      }),
    );
    props.dataKey.grant(role, "kms:Decrypt", "kms:GenerateDataKey");
    NagSuppressions.addResourceSuppressions(
      role,
      [
        {
          id: "AwsSolutions-IAM5",
          reason: "Reports live under per-image keys below reports/; the notifier only reads them.",
          appliesTo: [{ regex: "/^Resource::.*ReportBucket.*\\/reports\\/\\*$/g" }],
        },
      ],
      true,
    );
    this.slackDeadLetters.grantSendMessages(role);
    const topics = [
      ...new Set(props.rules.flatMap((r) => (r.destination.type === "sns" ? [r.destination.topic] : []))),
    ];
    if (topics.length > 0) {
      role.addToPrincipalPolicy(
        new PolicyStatement({ sid: "PublishToRuleTopics", actions: ["sns:Publish"], resources: topics }),
      );
    }
    const secrets = [
      ...new Set(
        props.rules.flatMap((r) =>
          r.destination.type === "slack" ? [secretArn(this, r.destination.webhookSecret)] : [],
        ),
      ),
    ];
    if (secrets.length > 0) {
      role.addToPrincipalPolicy(
        new PolicyStatement({
          sid: "ReadWebhookSecrets",
          actions: ["secretsmanager:GetSecretValue"],
          resources: secrets,
        }),
      );
      NagSuppressions.addResourceSuppressions(
        role,
        [
          {
            id: "AwsSolutions-IAM5",
            reason:
              "Secrets Manager appends six random characters to a secret's name; the wildcard covers only those.",
            appliesTo: [{ regex: "/^Resource::arn:.*:secretsmanager:.*-\\?\\?\\?\\?\\?\\?$/g" }],
          },
        ],
        true,
      );
    }
  }
}

/** Rule secrets are names or ARNs; a name matches its ARN's six-character suffix. */
function secretArn(scope: Construct, secret: string): string {
  if (secret.startsWith("arn:")) return secret;
  const { partition, region, account } = Stack.of(scope);
  return `arn:${partition}:secretsmanager:${region}:${account}:secret:${secret}-??????`;
}

/** Back to the configuration form the function parses (intervals as text). */
function serialisable(rule: NotificationRule): unknown {
  const { destination } = rule;
  if (destination.type !== "slack" || destination.digest === undefined) return rule;
  return { ...rule, destination: { ...destination, digest: `${Math.round(destination.digest / 60_000)}m` } };
}
