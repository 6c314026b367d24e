import { Duration, Stack } from "aws-cdk-lib";
import { type IEventBus, Rule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { NagSuppressions } from "cdk-nag";
import { Construct } from "constructs";
import { EVENT_SOURCE, SCAN_COMPLETED_DETAIL_TYPE } from "../../lib/notify/scan-completed.js";
import { PortcullisFunction } from "./portcullis-function.js";

export interface SecurityHubImportFunctionProps {
  readonly bus: IEventBus;
  readonly reportBucket: IBucket;
  readonly dataKey: IKey;
}

/** Optional: each stored scan's findings go to AWS Security Hub as ASFF (BatchImportFindings). */
export class SecurityHubImportFunction extends Construct {
  readonly function: PortcullisFunction;

  constructor(scope: Construct, id: string, props: SecurityHubImportFunctionProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.function = new PortcullisFunction(this, "Function", {
      entry: "functions/security-hub-import.ts",
      description: "Imports each scan's findings into AWS Security Hub (ASFF)",
      timeout: Duration.minutes(2),
      memorySize: 512,
      environment: { SECURITY_HUB_ACCOUNT_ID: stack.account },
    });
    const role = this.function.role;
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "ImportFindings",
        actions: ["securityhub:BatchImportFindings"],
        // The account's own "default" product: findings from this account's own integration.
        resources: [
          stack.formatArn({
            service: "securityhub",
            resource: "product",
            resourceName: `${stack.account}/default`,
          }),
        ],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "ReadReports",
        actions: ["s3:GetObject"],
        resources: [props.reportBucket.arnForObjects("reports/*")],
      }),
    );
    props.dataKey.grant(role, "kms:Decrypt");
    const dlq = new Queue(this, "Dlq", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    new Rule(this, "OnScanCompleted", {
      description: "Import each stored scan's findings into Security Hub",
      eventBus: props.bus,
      eventPattern: { source: [EVENT_SOURCE], detailType: [SCAN_COMPLETED_DETAIL_TYPE] },
    }).addTarget(new LambdaFunction(this.function.fn, { retryAttempts: 4, deadLetterQueue: dlq }));
    NagSuppressions.addResourceSuppressions(dlq, [
      { id: "AwsSolutions-SQS3", reason: "This queue is itself the dead-letter queue of the import rule." },
    ]);
    NagSuppressions.addResourceSuppressions(
      role,
      [
        {
          id: "AwsSolutions-IAM5",
          reason:
            "Reports live under per-image keys in the report bucket; the function reads the one its event names.",
          appliesTo: [{ regex: "/^Resource::.*ReportBucket.*\\/reports\\/\\*$/g" }],
        },
      ],
      true,
    );
  }
}
