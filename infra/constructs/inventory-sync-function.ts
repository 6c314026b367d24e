import { Duration, Stack } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { NagSuppressions } from "cdk-nag";
import { Construct } from "constructs";
import { PortcullisFunction } from "./portcullis-function.js";

export interface InventorySyncFunctionProps {
  readonly queue: IQueue;
  readonly table: ITable;
  /** ECR accounts and regions to list; accounts other than this one through their pull role. */
  readonly ecr: ReadonlyArray<{ readonly account: string; readonly regions: readonly string[] }>;
  readonly pullRoleArnTemplate: string;
  /** Pull roles of the member accounts, by ARN, or a pattern scoped by organization. */
  readonly pullRoleArns: readonly string[];
  readonly organizationPullRoles?: { readonly arnPattern: string; readonly organizationId: string };
  /** GAR projects and locations to list, with the external_account config to reach them. */
  readonly gar?: ReadonlyArray<{ readonly project: string; readonly locations: readonly string[] }>;
  readonly gcpWifConfig?: string;
  readonly rate?: Duration;
  /** A fixed role name, so member pull roles can trust this function by name. */
  readonly roleName?: string;
}

/**
 * The backstop for lost push events: lists every image in the registries on a schedule and queues
 * the ones never scanned, so an image pushed while a rule or subscription was down is still scanned.
 */
export class InventorySyncFunction extends Construct {
  readonly function: PortcullisFunction;

  constructor(scope: Construct, id: string, props: InventorySyncFunctionProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const central = stack.account;
    this.function = new PortcullisFunction(this, "Function", {
      entry: "functions/inventory-sync.ts",
      description: "Lists ECR and Artifact Registry images and queues the never-scanned ones",
      timeout: Duration.minutes(10),
      memorySize: 512,
      reservedConcurrentExecutions: 1,
      ...(props.roleName !== undefined ? { roleName: props.roleName } : {}),
      environment: {
        QUEUE_URL: props.queue.queueUrl,
        TABLE_NAME: props.table.tableName,
        CENTRAL_ACCOUNT_ID: central,
        PULL_ROLE_ARN_TEMPLATE: props.pullRoleArnTemplate,
        ECR_INVENTORY: JSON.stringify(props.ecr),
        ...(props.gar && props.gar.length > 0 ? { GAR_INVENTORY: JSON.stringify(props.gar) } : {}),
        ...(props.gcpWifConfig ? { GCP_WIF_CONFIG: props.gcpWifConfig } : {}),
      },
    });
    const role = this.function.role;
    props.queue.grantSendMessages(role);
    // BatchGetItem on Image items: which listed images were ever scanned. Put/Update: the pushed
    // marker and counters of the dashboard's coverage.
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "ImageItems",
        actions: ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
        resources: [props.table.tableArn],
      }),
    );
    props.table.encryptionKey?.grant(role, "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey");
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "ListEcrImages",
        actions: ["ecr:DescribeRepositories", "ecr:DescribeImages"],
        resources: [
          stack.formatArn({ service: "ecr", resource: "repository", resourceName: "*", region: "*" }),
        ],
      }),
    );
    if (props.pullRoleArns.length > 0) {
      role.addToPrincipalPolicy(
        new PolicyStatement({
          sid: "AssumeMemberPullRoles",
          actions: ["sts:AssumeRole"],
          resources: [...props.pullRoleArns],
        }),
      );
    }
    if (props.organizationPullRoles) {
      role.addToPrincipalPolicy(
        new PolicyStatement({
          sid: "AssumeOrganizationPullRoles",
          actions: ["sts:AssumeRole"],
          resources: [props.organizationPullRoles.arnPattern],
          conditions: { StringEquals: { "aws:ResourceOrgID": props.organizationPullRoles.organizationId } },
        }),
      );
    }
    new Rule(this, "Schedule", {
      description: "List the registries and queue images no push event brought",
      schedule: Schedule.rate(props.rate ?? Duration.hours(6)),
    }).addTarget(new LambdaFunction(this.function.fn, { retryAttempts: 2 }));
    NagSuppressions.addResourceSuppressions(
      role,
      [
        {
          id: "AwsSolutions-IAM5",
          reason:
            "The sync lists every repository of this account in the configured regions; listing is read-only.",
          appliesTo: [{ regex: "/^Resource::arn:<AWS::Partition>:ecr:\\*:.*:repository\\/\\*$/g" }],
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
  }
}
