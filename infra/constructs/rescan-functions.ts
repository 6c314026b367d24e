import { Duration } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { type IEventBus, Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { NagSuppressions } from "cdk-nag";
import { Construct } from "constructs";
import { EVENT_SOURCE } from "../../lib/notify/scan-completed.js";
import { DB_UPDATED_DETAIL_TYPE } from "../../lib/vulndb/publish/db-updated-event.js";
import { PortcullisFunction } from "./portcullis-function.js";

const WORKER_TIMEOUT = Duration.minutes(10);

export interface RescanFunctionsProps {
  readonly bus: IEventBus;
  readonly table: ITable;
  readonly reportBucket: IBucket;
  readonly dbBucket: IBucket;
  readonly dataKey: IKey;
  /** The key the scan workers read; re-match workers read the same build. */
  readonly dbKey: string;
  readonly repositoryPolicies?: string;
  /** The full re-match: every image used within the window, on this schedule (default daily). */
  readonly fullRematchEvery?: Duration;
  readonly windowDays?: number;
  /** A fixed name for the planner's role, which member pull roles trust (it reads pull times). */
  readonly plannerRoleName?: string;
}

/**
 * Re-checking stored images without pulling them: a planner (on `Portcullis DB Updated` and on a
 * schedule) puts batches of image keys on a queue; workers re-match each image's SBOM with the new
 * DB and announce what changed as `Portcullis Image Rescanned`.
 */
export class RescanFunctions extends Construct {
  readonly queue: Queue;
  readonly dlq: Queue;
  readonly planner: PortcullisFunction;
  readonly worker: PortcullisFunction;

  constructor(scope: Construct, id: string, props: RescanFunctionsProps) {
    super(scope, id);
    this.dlq = new Queue(this, "Dlq", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, "Queue", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(WORKER_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: this.dlq, maxReceiveCount: 3 },
    });

    this.planner = new PortcullisFunction(this, "Planner", {
      entry: "functions/rescan-planner.ts",
      description: "Plans re-matches of stored images after a DB update and on a schedule",
      timeout: Duration.minutes(5),
      memorySize: 1024,
      ...(props.plannerRoleName !== undefined ? { roleName: props.plannerRoleName } : {}),
      environment: {
        TABLE_NAME: props.table.tableName,
        REMATCH_QUEUE_URL: this.queue.queueUrl,
        ...(props.windowDays !== undefined ? { REMATCH_WINDOW_DAYS: String(props.windowDays) } : {}),
      },
    });
    props.table.grantReadData(this.planner.role);
    this.queue.grantSendMessages(this.planner.role);
    this.readDb(this.planner, props);
    new Rule(this, "OnDbUpdated", {
      description: "Re-match the images a DB update can change",
      eventBus: props.bus,
      eventPattern: { source: [EVENT_SOURCE], detailType: [DB_UPDATED_DETAIL_TYPE] },
    }).addTarget(new LambdaFunction(this.planner.fn, { retryAttempts: 4 }));
    new Rule(this, "FullRematch", {
      description: "Re-match every image used within the window",
      schedule: Schedule.rate(props.fullRematchEvery ?? Duration.days(1)),
    }).addTarget(new LambdaFunction(this.planner.fn, { retryAttempts: 2 }));

    this.worker = new PortcullisFunction(this, "Worker", {
      entry: "functions/rescan-worker.ts",
      description: "Re-matches stored SBOMs against the current DB and announces what changed",
      timeout: WORKER_TIMEOUT,
      memorySize: 2048,
      environment: {
        TABLE_NAME: props.table.tableName,
        BUCKET_NAME: props.reportBucket.bucketName,
        DB_BUCKET: props.dbBucket.bucketName,
        DB_KEY: props.dbKey,
        EVENT_BUS_NAME: props.bus.eventBusName,
        ...(props.repositoryPolicies ? { REPOSITORY_POLICIES: props.repositoryPolicies } : {}),
      },
    });
    props.table.grantReadWriteData(this.worker.role);
    this.readDb(this.worker, props);
    // SBOMs are read, the rescan's report is written next to the image's others.
    this.worker.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "ReadSbomsWriteReports",
        actions: ["s3:GetObject", "s3:PutObject"],
        resources: [
          props.reportBucket.arnForObjects("sboms/*"),
          props.reportBucket.arnForObjects("reports/*"),
        ],
      }),
    );
    props.bus.grantPutEventsTo(this.worker.role);
    this.worker.fn.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 2, reportBatchItemFailures: true, maxConcurrency: 20 }),
    );

    for (const fn of [this.planner, this.worker]) {
      NagSuppressions.addResourceSuppressions(
        fn.role,
        [
          {
            id: "AwsSolutions-IAM5",
            reason:
              "Reports, SBOMs and DB files live under per-image and versioned keys; queries run on the table's GSIs.",
            appliesTo: [
              { regex: "/^Resource::.*(ReportBucket|VulnDbBucket).*\\/(sboms|reports|db)?\\/?\\*$/g" },
              { regex: "/^Resource::.*Table.*\\/index\\/\\*$/g" },
              "Action::kms:ReEncrypt*",
              "Action::kms:GenerateDataKey*",
            ],
          },
        ],
        true,
      );
    }
  }

  /** The DB file by ranged GETs: versions (the planner opens the announced build) and the current key. */
  private readDb(fn: PortcullisFunction, props: RescanFunctionsProps): void {
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "ReadVulnDb",
        actions: ["s3:GetObject"],
        resources: [props.dbBucket.arnForObjects("db/*")],
      }),
    );
    props.dataKey.grant(fn.role, "kms:Decrypt");
  }
}
