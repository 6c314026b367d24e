import { CfnOutput, Duration, Size, Stack, type StackProps } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { EventBus, type EventPattern, Rule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { AccountPrincipal, AnyPrincipal, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { NagSuppressions } from "cdk-nag";
import type { Construct } from "constructs";
import { scannerRoleName } from "../central-roles.js";
import { type PortcullisConfig, pullRoleName } from "../config.js";
import { Dashboard } from "../constructs/dashboard.js";
import { DbUpdateFunction } from "../constructs/db-update-function.js";
import { GarIntakeFunction } from "../constructs/gar-intake-function.js";
import { InventorySyncFunction } from "../constructs/inventory-sync-function.js";
import { NotifierFunction } from "../constructs/notifier-function.js";
import { PortcullisFunction } from "../constructs/portcullis-function.js";
import { RescanFunctions } from "../constructs/rescan-functions.js";
import { SecurityHubImportFunction } from "../constructs/security-hub-import-function.js";
import { grantMarkDeleted } from "../constructs/table-grants.js";
import type { StatefulStack } from "./stateful-stack.js";

export interface StatelessStackProps extends StackProps {
  readonly config: PortcullisConfig;
  readonly stateful: StatefulStack;
}

export const WORKER_TIMEOUT = Duration.minutes(5);
/** The current vulnerability DB in the DB bucket: db-update replaces it, workers read it by range. */
export const VULN_DB_KEY = "db/portcullis.db";
export const ECR_EVENT_PATTERN: EventPattern = {
  source: ["aws.ecr"],
  detailType: ["ECR Image Action", "ECR Replication Action"],
};

/** Functions, queues, rules, topics and alarms: safe to destroy and redeploy at any time. */
export class StatelessStack extends Stack {
  readonly scanQueue: Queue;
  readonly scanDlq: Queue;
  readonly bus: EventBus;
  readonly intake: PortcullisFunction;
  readonly worker: PortcullisFunction;
  readonly dbUpdate: DbUpdateFunction;
  readonly notifier: NotifierFunction;
  readonly rescan: RescanFunctions;
  readonly garIntake?: GarIntakeFunction;
  readonly inventorySync: InventorySyncFunction;
  readonly dashboard: Dashboard;
  readonly securityHubImport?: SecurityHubImportFunction;
  readonly scanTopic: Topic;
  readonly alarmTopic: Topic;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, stateful } = props;

    // SQS-managed SSE: the intake and worker need no KMS permissions for the queue.
    this.scanDlq = new Queue(this, "ScanDlq", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.scanQueue = new Queue(this, "ScanQueue", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS guidance for Lambda event sources: at least six times the function timeout.
      visibilityTimeout: Duration.seconds(WORKER_TIMEOUT.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.scanDlq, maxReceiveCount: 3 },
    });

    this.bus = new EventBus(this, "Bus", { eventBusName: "portcullis" });
    for (const accountId of config.memberAccountIds) {
      this.bus.addToResourcePolicy(
        new PolicyStatement({
          sid: `AllowMember${accountId}`,
          principals: [new AccountPrincipal(accountId)],
          actions: ["events:PutEvents"],
          resources: [this.bus.eventBusArn],
        }),
      );
    }
    if (config.organizationId !== undefined) {
      this.bus.addToResourcePolicy(
        new PolicyStatement({
          sid: "AllowOrganization",
          principals: [new AnyPrincipal()],
          actions: ["events:PutEvents"],
          resources: [this.bus.eventBusArn],
          conditions: { StringEquals: { "aws:PrincipalOrgID": config.organizationId } },
        }),
      );
    }

    this.scanTopic = new Topic(this, "ScanNotifications", {
      displayName: "Portcullis scan notifications",
      masterKey: stateful.key,
      enforceSSL: true,
    });
    this.alarmTopic = new Topic(this, "Alarms", {
      displayName: "Portcullis alarms",
      masterKey: stateful.key,
      enforceSSL: true,
    });
    if (config.alarmEmail !== undefined) {
      this.alarmTopic.addSubscription(new EmailSubscription(config.alarmEmail));
    }

    this.intake = new PortcullisFunction(this, "EcrIntake", {
      entry: "functions/ecr-intake.ts",
      description: "Turns ECR push/replication events into scan requests; marks deleted images",
      timeout: Duration.seconds(30),
      memorySize: 256,
      environment: {
        QUEUE_URL: this.scanQueue.queueUrl,
        TABLE_NAME: stateful.table.tableName,
        CENTRAL_ACCOUNT_ID: config.centralAccountId ?? this.account,
        // The intake puts the image account's pull role ARN on each job; `{account}` is filled in there.
        PULL_ROLE_ARN_TEMPLATE: `arn:${this.partition}:iam::{account}:role/${pullRoleName(config, "{account}")}`,
      },
    });
    this.scanQueue.grantSendMessages(this.intake.role);
    grantMarkDeleted(stateful.table, this.intake.role);

    const ecrRule = new Rule(this, "EcrEventsRule", {
      description: "ECR image and replication actions in this account",
      eventPattern: ECR_EVENT_PATTERN,
    });
    ecrRule.addTarget(new LambdaFunction(this.intake.fn, { retryAttempts: 4 }));
    // Member accounts forward their ECR events to the portcullis bus; the same intake handles them.
    const forwardedRule = new Rule(this, "ForwardedEcrEventsRule", {
      description: "ECR events forwarded from member accounts",
      eventBus: this.bus,
      eventPattern: ECR_EVENT_PATTERN,
    });
    forwardedRule.addTarget(new LambdaFunction(this.intake.fn, { retryAttempts: 4 }));

    this.worker = new PortcullisFunction(this, "ScanWorker", {
      entry: "functions/scan-worker.ts",
      description: "Scans images from the scan queue; writes findings, reports and SBOMs",
      timeout: WORKER_TIMEOUT,
      memorySize: 2048,
      // Large required files (JARs, binaries) spill to /tmp while a layer streams through.
      ephemeralStorageSize: Size.gibibytes(4),
      // Member pull roles trust the scanner roles by name (infra/central-roles.ts).
      roleName: scannerRoleName("scan-worker", this.region),
      unscopedResourceReason:
        "ecr:GetAuthorizationToken has no resource-level permission; AWS requires Resource '*'.",
      environment: {
        TABLE_NAME: stateful.table.tableName,
        // Reports, SBOMs and the layer cache.
        BUCKET_NAME: stateful.reportBucket.bucketName,
        DB_BUCKET: stateful.dbBucket.bucketName,
        DB_KEY: VULN_DB_KEY,
        EVENT_BUS_NAME: this.bus.eventBusName,
        SCAN_TOPIC_ARN: this.scanTopic.topicArn,
        ...(config.pullExternalId ? { PULL_EXTERNAL_ID: config.pullExternalId } : {}),
        ...(config.repositoryPolicies ? { REPOSITORY_POLICIES: config.repositoryPolicies } : {}),
        // GAR pulls: workload identity federation settings (no key); the worker's role is the principal.
        ...(config.gcp ? { GCP_WIF_CONFIG: JSON.stringify(config.gcp.workloadIdentity) } : {}),
      },
    });
    this.worker.fn.addEventSource(
      new SqsEventSource(this.scanQueue, {
        batchSize: 5,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        maxConcurrency: 10,
      }),
    );
    this.grantWorker(config, stateful);

    this.dbUpdate = new DbUpdateFunction(this, "DbUpdate", {
      dbBucket: stateful.dbBucket,
      dataKey: stateful.key,
      currentKey: VULN_DB_KEY,
      bus: this.bus,
      alarmTopic: this.alarmTopic,
      ...(config.dbUpdateRateHours !== undefined ? { rate: Duration.hours(config.dbUpdateRateHours) } : {}),
      ...(config.feedMirrors ? { mirrors: config.feedMirrors } : {}),
      ...(config.feedMirrorsOnly ? { mirrorsOnly: true } : {}),
    });

    this.notifier = new NotifierFunction(this, "Notifier", {
      bus: this.bus,
      table: stateful.table,
      reportBucket: stateful.reportBucket,
      dataKey: stateful.key,
      rules: config.notificationRules,
    });
    this.suppressTableGrant(this.notifier.function.role);

    this.rescan = new RescanFunctions(this, "Rescan", {
      bus: this.bus,
      table: stateful.table,
      reportBucket: stateful.reportBucket,
      dbBucket: stateful.dbBucket,
      dataKey: stateful.key,
      dbKey: VULN_DB_KEY,
      plannerRoleName: scannerRoleName("rescan-planner", this.region),
      ...(config.repositoryPolicies ? { repositoryPolicies: config.repositoryPolicies } : {}),
    });
    this.grantPullTimes(config);

    if (config.gcp?.push) {
      this.garIntake = new GarIntakeFunction(this, "GarIntake", {
        queue: this.scanQueue,
        table: stateful.table,
        audience: config.gcp.push.audience,
        serviceAccountEmail: config.gcp.push.serviceAccountEmail,
      });
    }
    this.inventorySync = this.addInventorySync(config, stateful);
    new CfnOutput(this, "ScanWorkerRoleName", {
      description: "The AWS role that federates into GCP to pull from Artifact Registry",
      value: this.worker.role.roleName,
    });

    this.dashboard = new Dashboard(this, "Dashboard", {
      table: stateful.table,
      reportBucket: stateful.reportBucket,
      dataKey: stateful.key,
      cognitoDomainPrefix: config.dashboardDomainPrefix ?? `portcullis-${this.account}`,
    });
    if (config.securityHubImport) {
      this.securityHubImport = new SecurityHubImportFunction(this, "SecurityHubImport", {
        bus: this.bus,
        reportBucket: stateful.reportBucket,
        dataKey: stateful.key,
      });
    }

    this.addAlarms();
  }

  /** Lists ECR (this account and the members) and the configured GAR projects; queues what was never scanned. */
  private addInventorySync(config: PortcullisConfig, stateful: StatefulStack): InventorySyncFunction {
    const regions = config.inventoryRegions ?? [this.region];
    const central = config.centralAccountId ?? this.account;
    const sync = new InventorySyncFunction(this, "InventorySync", {
      queue: this.scanQueue,
      table: stateful.table,
      roleName: scannerRoleName("inventory-sync", this.region),
      ecr: [central, ...config.memberAccountIds.filter((id) => id !== central)].map((account) => ({
        account,
        regions,
      })),
      pullRoleArnTemplate: `arn:${this.partition}:iam::{account}:role/${pullRoleName(config, "{account}")}`,
      pullRoleArns: config.memberAccountIds.map(
        (accountId) => `arn:${this.partition}:iam::${accountId}:role/${pullRoleName(config, accountId)}`,
      ),
      ...(config.organizationId !== undefined
        ? {
            organizationPullRoles: {
              arnPattern: `arn:${this.partition}:iam::*:role/${pullRoleName(config, "*")}`,
              organizationId: config.organizationId,
            },
          }
        : {}),
      ...(config.gcp
        ? { gar: config.gcp.inventory, gcpWifConfig: JSON.stringify(config.gcp.workloadIdentity) }
        : {}),
      ...(config.inventorySyncRateHours !== undefined
        ? { rate: Duration.hours(config.inventorySyncRateHours) }
        : {}),
    });
    if (config.pullExternalId) sync.function.fn.addEnvironment("PULL_EXTERNAL_ID", config.pullExternalId);
    new CfnOutput(this, "InventorySyncRoleName", {
      description: "The AWS role the inventory sync federates into GCP with to list Artifact Registry",
      value: sync.function.role.roleName,
    });
    return sync;
  }

  /**
   * The planner reads lastRecordedPullTime (DescribeImages) of the stored images, in this account
   * and through the member pull roles, so images still pulled stay in the full re-match.
   */
  private grantPullTimes(config: PortcullisConfig): void {
    const planner = this.rescan.planner;
    planner.fn.addEnvironment("CENTRAL_ACCOUNT_ID", config.centralAccountId ?? this.account);
    planner.fn.addEnvironment("MEMBER_ACCOUNT_IDS", config.memberAccountIds.join(","));
    planner.fn.addEnvironment(
      "PULL_ROLE_ARN_TEMPLATE",
      `arn:${this.partition}:iam::{account}:role/${pullRoleName(config, "{account}")}`,
    );
    if (config.pullExternalId) planner.fn.addEnvironment("PULL_EXTERNAL_ID", config.pullExternalId);
    planner.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "EcrPullTimes",
        actions: ["ecr:DescribeImages"],
        resources: [this.formatArn({ service: "ecr", resource: "repository", resourceName: "*" })],
      }),
    );
    const pullRoles = config.memberAccountIds.map(
      (accountId) => `arn:${this.partition}:iam::${accountId}:role/${pullRoleName(config, accountId)}`,
    );
    if (pullRoles.length > 0) {
      planner.role.addToPrincipalPolicy(
        new PolicyStatement({
          sid: "AssumeMemberPullRoles",
          actions: ["sts:AssumeRole"],
          resources: pullRoles,
        }),
      );
    }
    NagSuppressions.addResourceSuppressions(
      planner.role,
      [
        {
          id: "AwsSolutions-IAM5",
          reason:
            "The planner reads the pull times of any repository of this account that holds stored images.",
          appliesTo: [{ regex: "/^Resource::arn:<AWS::Partition>:ecr:.*:repository\\/\\*$/g" }],
        },
      ],
      true,
    );
  }

  private grantWorker(config: PortcullisConfig, stateful: StatefulStack): void {
    const role = this.worker.role;
    stateful.table.grantReadWriteData(role);
    // The report bucket also holds the layer cache, so the worker reads back what it wrote.
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "ReportsAndLayerCache",
        actions: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
        resources: [stateful.reportBucket.arnForObjects("*")],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "ReadVulnDb",
        actions: ["s3:GetObject"],
        resources: [stateful.dbBucket.arnForObjects("*")],
      }),
    );
    // Without ListBucket S3 answers a missing key (a cache miss) with 403 instead of 404.
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "ListBuckets",
        actions: ["s3:ListBucket"],
        resources: [stateful.reportBucket.bucketArn, stateful.dbBucket.bucketArn],
      }),
    );
    // SSE-KMS objects: GenerateDataKey to write reports, Decrypt to read the DB and finish multipart uploads.
    stateful.key.grant(role, "kms:Decrypt", "kms:GenerateDataKey");
    this.bus.grantPutEventsTo(role);
    // The topic is SSE-KMS with the stateful key: the kms grant above covers the publish side.
    this.scanTopic.grantPublish(role);
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "EcrToken",
        actions: ["ecr:GetAuthorizationToken"],
        resources: ["*"],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "EcrPull",
        actions: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        resources: [this.formatArn({ service: "ecr", resource: "repository", resourceName: "*" })],
      }),
    );
    const pullRoles = config.memberAccountIds.map(
      (accountId) => `arn:${this.partition}:iam::${accountId}:role/${pullRoleName(config, accountId)}`,
    );
    if (pullRoles.length > 0) {
      role.addToPrincipalPolicy(
        new PolicyStatement({
          sid: "AssumeMemberPullRoles",
          actions: ["sts:AssumeRole"],
          resources: pullRoles,
        }),
      );
    }
    if (config.organizationId !== undefined) {
      role.addToPrincipalPolicy(
        new PolicyStatement({
          sid: "AssumeOrganizationPullRoles",
          actions: ["sts:AssumeRole"],
          resources: [`arn:${this.partition}:iam::*:role/${pullRoleName(config, "*")}`],
          conditions: { StringEquals: { "aws:ResourceOrgID": config.organizationId } },
        }),
      );
    }

    NagSuppressions.addResourceSuppressions(
      role,
      [
        {
          id: "AwsSolutions-IAM5",
          reason:
            "The worker scans any repository of this account that pushes an image; pulls are read-only.",
          appliesTo: [{ regex: "/^Resource::arn:<AWS::Partition>:ecr:.*:repository\\/\\*$/g" }],
        },
        {
          id: "AwsSolutions-IAM5",
          reason:
            "Reports, SBOMs and cached layers live under per-image and per-layer keys; DB files under versioned keys.",
          appliesTo: [{ regex: "/^Resource::.*(ReportBucket|VulnDbBucket).*\\/\\*$/g" }],
        },
        {
          id: "AwsSolutions-IAM5",
          reason:
            "Any account of the configured organization may expose the pull role; aws:ResourceOrgID scopes it.",
          appliesTo: [{ regex: "/^Resource::arn:<AWS::Partition>:iam::\\*:role\\/.*$/g" }],
        },
      ],
      true,
    );
    this.suppressTableGrant(this.worker.role);
  }

  /** grantReadWriteData / grantWriteData name the table's indexes and the table key's wildcard actions. */
  private suppressTableGrant(role: PortcullisFunction["role"]): void {
    NagSuppressions.addResourceSuppressions(
      role,
      [
        {
          id: "AwsSolutions-IAM5",
          reason: "Queries run on the table's GSIs; CDK's table grant names them as <table>/index/*.",
          appliesTo: [{ regex: "/^Resource::.*Table.*\\/index\\/\\*$/g" }],
        },
        {
          id: "AwsSolutions-IAM5",
          reason:
            "CDK's table grant adds the KMS actions DynamoDB needs on the table key (ReEncrypt*, GenerateDataKey*).",
          appliesTo: ["Action::kms:ReEncrypt*", "Action::kms:GenerateDataKey*"],
        },
      ],
      true,
    );
  }

  private addAlarms(): void {
    const alarm = (id: string, metric: IMetric, threshold: number, description: string): Alarm => {
      const created = new Alarm(this, id, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(new SnsAction(this.alarmTopic));
      return created;
    };
    const oneMinute = Duration.minutes(1);
    alarm(
      "ScanDlqDepthAlarm",
      this.scanDlq.metricApproximateNumberOfMessagesVisible({ period: oneMinute, statistic: "Maximum" }),
      0,
      "Scan requests failed three times and were parked in the DLQ",
    );
    alarm(
      "ScanQueueAgeAlarm",
      this.scanQueue.metricApproximateAgeOfOldestMessage({ period: oneMinute, statistic: "Maximum" }),
      WORKER_TIMEOUT.toSeconds() * 3,
      "The oldest scan request has waited longer than three worker timeouts",
    );
    alarm(
      "ScanWorkerErrorsAlarm",
      this.worker.fn.metricErrors({ period: Duration.minutes(5), statistic: "Sum" }),
      0,
      "The scan worker failed invocations",
    );
    alarm(
      "EcrIntakeErrorsAlarm",
      this.intake.fn.metricErrors({ period: Duration.minutes(5), statistic: "Sum" }),
      0,
      "The ECR intake function failed invocations",
    );
  }
}
