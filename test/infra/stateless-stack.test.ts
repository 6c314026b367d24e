import { Match, type Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { beforeAll, describe, expect, it } from "vitest";
import type { StatelessStack } from "../../infra/stacks/stateless-stack.js";
import {
  actionsOf,
  FEED_MIRROR,
  logicalId,
  MEMBER_ACCOUNTS,
  ORG_ID,
  roleStatements,
  type Statement,
  type SynthesizedApp,
  synthApp,
} from "./synth-app.js";

let synthesized: SynthesizedApp;
let stack: StatelessStack;
let template: Template;

beforeAll(() => {
  synthesized = synthApp();
  stack = synthesized.stateless;
  template = synthesized.statelessTemplate;
});

const workerStatements = (): Statement[] => roleStatements(template, stack.worker.role);
const intakeStatements = (): Statement[] => roleStatements(template, stack.intake.role);
const statementsWith = (statements: Statement[], action: string): Statement[] =>
  statements.filter((statement) => actionsOf(statement).includes(action));

describe("queues", () => {
  it("encrypts every queue and redrives scan jobs to the DLQ after three receives", () => {
    // The scan queue and its DLQ, the notifier's event DLQ and Slack dead letters, the re-match queue
    // and its DLQ, the Security Hub import's event DLQ.
    template.resourceCountIs("AWS::SQS::Queue", 7);
    for (const queue of Object.values(template.findResources("AWS::SQS::Queue")))
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    template.hasResourceProperties("AWS::SQS::Queue", {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 1800,
      RedrivePolicy: {
        deadLetterTargetArn: { "Fn::GetAtt": [logicalId(stack.scanDlq), "Arn"] },
        maxReceiveCount: 3,
      },
    });
    template.hasResourceProperties("AWS::SQS::Queue", {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });

  it("keeps the visibility timeout at six times the worker timeout", () => {
    const worker = template.findResources("AWS::Lambda::Function")[logicalId(stack.worker.fn)];
    const queue = template.findResources("AWS::SQS::Queue")[logicalId(stack.scanQueue)];
    expect(queue?.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * worker?.Properties.Timeout);
  });

  it("denies non-TLS access on both queues", () => {
    for (const queue of [stack.scanQueue, stack.scanDlq]) {
      template.hasResourceProperties("AWS::SQS::QueuePolicy", {
        Queues: [{ Ref: logicalId(queue) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
          ]),
        },
      });
    }
  });
});

describe("events", () => {
  const pattern = { source: ["aws.ecr"], "detail-type": ["ECR Image Action", "ECR Replication Action"] };

  it("creates the portcullis bus, open to member accounts and the organization", () => {
    template.hasResourceProperties("AWS::Events::EventBus", { Name: "portcullis" });
    const policies = Object.values(template.findResources("AWS::Events::EventBusPolicy"));
    const statements = policies.map((policy) => policy.Properties.Statement);
    for (const account of MEMBER_ACCOUNTS) {
      expect(statements).toContainEqual(
        expect.objectContaining({
          Action: "events:PutEvents",
          Principal: {
            AWS: { "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, `:iam::${account}:root`]] },
          },
        }),
      );
    }
    expect(statements).toContainEqual(
      expect.objectContaining({ Condition: { StringEquals: { "aws:PrincipalOrgID": ORG_ID } } }),
    );
  });

  it("routes ECR image and replication actions on the default bus to the intake", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      EventBusName: Match.absent(),
      EventPattern: pattern,
      Targets: [Match.objectLike({ Arn: { "Fn::GetAtt": [logicalId(stack.intake.fn), "Arn"] } })],
    });
  });

  it("routes ECR events forwarded to the portcullis bus to the same intake", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      EventBusName: { Ref: logicalId(stack.bus) },
      EventPattern: pattern,
      Targets: [Match.objectLike({ Arn: { "Fn::GetAtt": [logicalId(stack.intake.fn), "Arn"] } })],
    });
  });
});

describe("functions", () => {
  it("runs every handler on nodejs22.x, arm64, with active tracing and Powertools settings", () => {
    for (const fn of [stack.intake.fn, stack.worker.fn, stack.dbUpdate.function.fn]) {
      const resource = template.findResources("AWS::Lambda::Function")[logicalId(fn)];
      expect(resource?.Properties).toMatchObject({
        Runtime: "nodejs22.x",
        Architectures: ["arm64"],
        Handler: "index.handler",
        TracingConfig: { Mode: "Active" },
        Environment: {
          Variables: expect.objectContaining({
            POWERTOOLS_SERVICE_NAME: "portcullis",
            NODE_OPTIONS: "--enable-source-maps",
          }),
        },
      });
    }
  });

  it("gives the worker SQS batches with partial batch responses", () => {
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: { Ref: logicalId(stack.worker.fn) },
      EventSourceArn: { "Fn::GetAtt": [logicalId(stack.scanQueue), "Arn"] },
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      BatchSize: 5,
    });
  });

  it("attaches no AWS managed policies to the function roles", () => {
    for (const role of [stack.intake.role, stack.worker.role, stack.dbUpdate.function.role]) {
      const resource = template.findResources("AWS::IAM::Role")[logicalId(role)];
      expect(resource?.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe("IAM", () => {
  const allStatements = (): Statement[] =>
    Object.values(template.findResources("AWS::IAM::Policy")).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as Statement[],
    );

  it("grants no wildcard service actions", () => {
    for (const statement of allStatements()) {
      for (const action of actionsOf(statement)) {
        expect(action).not.toBe("*");
        expect(action).not.toMatch(/:\*$/);
      }
    }
  });

  it("uses Resource * only for ECR's token and X-Ray, which have no resource-level permissions", () => {
    const unscoped = allStatements().filter((statement) => statement.Resource === "*");
    const actions = new Set(unscoped.flatMap(actionsOf));
    expect([...actions].sort()).toEqual(
      ["ecr:GetAuthorizationToken", "xray:PutTelemetryRecords", "xray:PutTraceSegments"].sort(),
    );
    const token = statementsWith(workerStatements(), "ecr:GetAuthorizationToken");
    expect(token).toEqual([
      { Sid: "EcrToken", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
    ]);
    expect(statementsWith(intakeStatements(), "ecr:GetAuthorizationToken")).toEqual([]);
  });

  it("lets the worker pull from this account's repositories only", () => {
    const [pull] = workerStatements().filter((statement) => statement.Sid === "EcrPull");
    expect(pull?.Action).toEqual(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]);
    expect(pull?.Resource).toEqual({
      "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":ecr:eu-west-1:123456789012:repository/*"]],
    });
  });

  it("lets the worker assume only the member pull roles", () => {
    const assume = statementsWith(workerStatements(), "sts:AssumeRole");
    expect(assume).toHaveLength(2);
    const [members, organization] = assume;
    expect(members?.Resource).toEqual(
      MEMBER_ACCOUNTS.map((account) => ({
        "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, `:iam::${account}:role/portcullis-ecr-pull`]],
      })),
    );
    expect(organization?.Condition).toEqual({ StringEquals: { "aws:ResourceOrgID": ORG_ID } });
  });

  it("lets the worker read/write reports and the layer cache, read the DB, and nothing else in S3", () => {
    const s3 = workerStatements().filter((statement) =>
      actionsOf(statement).some((a) => a.startsWith("s3:")),
    );
    expect(s3.map((statement) => [statement.Sid, actionsOf(statement)])).toEqual([
      ["ReportsAndLayerCache", ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"]],
      ["ReadVulnDb", ["s3:GetObject"]],
      ["ListBuckets", ["s3:ListBucket"]],
    ]);
    expect(s3[0]?.Resource).toEqual({
      "Fn::Join": ["", [{ "Fn::ImportValue": expect.stringMatching(/ReportBucket/) }, "/*"]],
    });
    const intakeS3 = intakeStatements().filter((statement) =>
      actionsOf(statement).some((a) => a.startsWith("s3:")),
    );
    expect(intakeS3).toEqual([]);
  });

  it("passes the handlers the environment they read", () => {
    const variables = (fn: IConstruct) =>
      template.findResources("AWS::Lambda::Function")[logicalId(fn)]?.Properties.Environment.Variables;
    expect(Object.keys(variables(stack.intake.fn))).toEqual(
      expect.arrayContaining(["QUEUE_URL", "TABLE_NAME", "CENTRAL_ACCOUNT_ID", "PULL_ROLE_ARN_TEMPLATE"]),
    );
    expect(variables(stack.intake.fn).CENTRAL_ACCOUNT_ID).toBe("123456789012");
    expect(variables(stack.intake.fn).PULL_ROLE_ARN_TEMPLATE).toEqual({
      "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":iam::{account}:role/portcullis-ecr-pull"]],
    });
    expect(Object.keys(variables(stack.worker.fn))).toEqual(
      expect.arrayContaining([
        "TABLE_NAME",
        "BUCKET_NAME",
        "DB_BUCKET",
        "DB_KEY",
        "EVENT_BUS_NAME",
        "SCAN_TOPIC_ARN",
      ]),
    );
    expect(variables(stack.worker.fn).SCAN_TOPIC_ARN).toEqual({ Ref: logicalId(stack.scanTopic) });
    // The policy file is validated at synth and handed to the worker as JSON.
    expect(JSON.parse(variables(stack.worker.fn).REPOSITORY_POLICIES)).toMatchObject({
      policies: [{ repositories: ["**/payments/*"], failOn: "HIGH", ignoreUnfixed: true }],
      default: { failOn: "CRITICAL" },
    });
  });

  it("gives the worker table read/write, the data key and the bus", () => {
    const statements = workerStatements();
    for (const action of ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"]) {
      expect(statementsWith(statements, action)).toHaveLength(1);
    }
    expect(statementsWith(statements, "events:PutEvents")).toHaveLength(1);
    const publish = statementsWith(statements, "sns:Publish");
    expect(publish).toHaveLength(1);
    expect(publish[0]?.Resource).toEqual({ Ref: logicalId(stack.scanTopic) });
    expect(statementsWith(statements, "kms:GenerateDataKey")).toHaveLength(1);
  });

  it("limits the intakes to queue sends and what marking an image deleted needs", () => {
    for (const role of [stack.intake.role, stack.garIntake?.function.role]) {
      const statements = roleStatements(template, role as IConstruct);
      const actions = new Set(statements.flatMap(actionsOf));
      expect(actions).toContain("sqs:SendMessage");
      // A DELETE reads the image's own items (a Query on the base table) to resolve its findings.
      expect(actions).toContain("dynamodb:UpdateItem");
      expect(actions).toContain("dynamodb:Query");
      for (const action of actions) {
        expect(action).toMatch(/^(sqs|dynamodb|kms|logs|xray):/);
        expect(action).not.toMatch(/^dynamodb:(Scan|BatchGetItem|GetItem)$/);
      }
      const tableStatements = statements.filter((s) => actionsOf(s).some((a) => a.startsWith("dynamodb:")));
      expect(JSON.stringify(tableStatements.map((s) => s.Resource))).not.toContain("/index/");
    }
  });
});

describe("notifications and alarms", () => {
  it("encrypts both topics with the data key and requires TLS", () => {
    template.resourceCountIs("AWS::SNS::Topic", 2);
    template.allResourcesProperties("AWS::SNS::Topic", {
      KmsMasterKeyId: { "Fn::ImportValue": Match.stringLikeRegexp("DataKey") },
    });
    template.resourceCountIs("AWS::SNS::TopicPolicy", 2);
    template.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "ops@example.com",
    });
  });

  it.each([
    ["ApproximateNumberOfMessagesVisible", "AWS/SQS", 0],
    ["ApproximateAgeOfOldestMessage", "AWS/SQS", 900],
    ["Errors", "AWS/Lambda", 0],
  ])("alarms on %s to the alarm topic", (metricName, namespace, threshold) => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: metricName,
      Namespace: namespace,
      Threshold: threshold,
      ComparisonOperator: "GreaterThanThreshold",
      AlarmActions: [{ Ref: logicalId(stack.alarmTopic) }],
    });
  });

  it("watches the DLQ and every function's errors", () => {
    template.resourceCountIs("AWS::CloudWatch::Alarm", 5);
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ApproximateNumberOfMessagesVisible",
      Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [logicalId(stack.scanDlq), "QueueName"] } }],
    });
    for (const fn of [stack.worker.fn, stack.intake.fn, stack.dbUpdate.function.fn]) {
      template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        MetricName: "Errors",
        Dimensions: [{ Name: "FunctionName", Value: { Ref: logicalId(fn) } }],
      });
    }
  });
});

describe("db-update", () => {
  const fn = () => template.findResources("AWS::Lambda::Function")[logicalId(stack.dbUpdate.function.fn)];
  const statements = (): Statement[] => roleStatements(template, stack.dbUpdate.function.role);
  const dbBucketArn = { "Fn::ImportValue": expect.stringMatching(/VulnDbBucket/) };

  it("runs on the configured schedule (12 hours here; 6 by default)", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(12 hours)",
      State: "ENABLED",
      Targets: [Match.objectLike({ Arn: { "Fn::GetAtt": [logicalId(stack.dbUpdate.function.fn), "Arn"] } })],
    });
  });

  it("publishes to the key the workers read and passes the mirrors", () => {
    const variables = fn()?.Properties.Environment.Variables;
    const worker = template.findResources("AWS::Lambda::Function")[logicalId(stack.worker.fn)];
    expect(variables.DB_KEY).toBe("db/portcullis.db");
    expect(variables.DB_KEY).toBe(worker?.Properties.Environment.Variables.DB_KEY);
    expect(variables.DB_BUCKET).toEqual(worker?.Properties.Environment.Variables.DB_BUCKET);
    expect(variables.EVENT_BUS_NAME).toEqual(worker?.Properties.Environment.Variables.EVENT_BUS_NAME);
    expect(variables.FEED_MIRRORS).toBe(FEED_MIRROR);
    expect(variables.FEED_MIRRORS_ONLY).toBeUndefined();
    expect(fn()?.Properties).toMatchObject({ Timeout: 900, EphemeralStorage: { Size: 8192 } });
  });

  it("may read and write under db/, delete only old versions, list the bucket and put events", () => {
    const s3 = statements().filter((statement) => actionsOf(statement).some((a) => a.startsWith("s3:")));
    expect(s3.map((statement) => [statement.Sid, actionsOf(statement)])).toEqual([
      ["ReadWriteVulnDb", ["s3:GetObject", "s3:PutObject"]],
      ["PruneVulnDbVersions", ["s3:DeleteObject"]],
      ["ListVulnDbBucket", ["s3:ListBucket"]],
    ]);
    expect(s3[0]?.Resource).toEqual({ "Fn::Join": ["", [dbBucketArn, "/db/*"]] });
    expect(s3[1]?.Resource).toEqual({ "Fn::Join": ["", [dbBucketArn, "/db/versions/*"]] });
    expect(s3[2]?.Resource).toEqual(dbBucketArn);
    const actions = new Set(statements().flatMap(actionsOf));
    expect(actions).toContain("events:PutEvents");
    expect(actions).toContain("kms:GenerateDataKey");
    for (const action of actions) expect(action).toMatch(/^(s3|kms|events|logs|xray):/);
  });

  it("alarms on failed updates and does not retry a failed run", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "Errors",
      Dimensions: [{ Name: "FunctionName", Value: { Ref: logicalId(stack.dbUpdate.function.fn) } }],
      AlarmActions: [{ Ref: logicalId(stack.alarmTopic) }],
    });
    template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
      FunctionName: { Ref: logicalId(stack.dbUpdate.function.fn) },
      MaximumRetryAttempts: 0,
    });
  });
});

describe("notifier", () => {
  const fn = () => template.findResources("AWS::Lambda::Function")[logicalId(stack.notifier.function.fn)];
  const statements = (): Statement[] => roleStatements(template, stack.notifier.function.role);

  it("receives scan and rescan results from the portcullis bus, with retries and a dead-letter queue", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      EventBusName: { Ref: logicalId(stack.bus) },
      EventPattern: {
        source: ["portcullis"],
        "detail-type": ["Portcullis Scan Completed", "Portcullis Image Rescanned"],
      },
      Targets: [
        Match.objectLike({
          Arn: { "Fn::GetAtt": [logicalId(stack.notifier.function.fn), "Arn"] },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
          DeadLetterConfig: { Arn: { "Fn::GetAtt": [logicalId(stack.notifier.eventDlq), "Arn"] } },
        }),
      ],
    });
  });

  it("runs as one instance, so Slack's per-webhook rate holds across all notifications", () => {
    expect(fn()?.Properties.ReservedConcurrentExecutions).toBe(1);
  });

  it("runs every five minutes to send the digests whose window has closed", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(5 minutes)",
      Targets: [Match.objectLike({ Arn: { "Fn::GetAtt": [logicalId(stack.notifier.function.fn), "Arn"] } })],
    });
  });

  it("gets the validated rules and where to keep undeliverable Slack messages", () => {
    const variables = fn()?.Properties.Environment.Variables;
    const rules = JSON.parse(variables.NOTIFICATION_RULES).rules;
    expect(rules.map((r: { name: string }) => r.name)).toEqual(["payments critical", "fleet digest"]);
    expect(rules[1].destination.digest).toBe("60m");
    expect(variables.DEAD_LETTER_QUEUE_URL).toEqual({ Ref: logicalId(stack.notifier.slackDeadLetters) });
  });

  it("may publish only to the rules' topics and read only the rules' webhook secrets", () => {
    const publish = statementsWith(statements(), "sns:Publish");
    expect(publish.map((s) => s.Resource)).toEqual(["arn:aws:sns:eu-west-1:123456789012:payments-security"]);
    const secrets = statementsWith(statements(), "secretsmanager:GetSecretValue");
    expect(JSON.stringify(secrets.map((s) => s.Resource))).toContain(
      ":secret:portcullis/slack-webhook-??????",
    );
    const actions = new Set(statements().flatMap(actionsOf));
    for (const action of actions)
      expect(action).toMatch(
        /^(s3:GetObject|dynamodb:|kms:|sqs:|sns:Publish|secretsmanager:GetSecretValue|logs:|xray:)/,
      );
  });
});

describe("rescan", () => {
  const fnOf = (f: IConstruct) => template.findResources("AWS::Lambda::Function")[logicalId(f)];

  it("plans on DB Updated from the bus and on a daily schedule", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      EventBusName: { Ref: logicalId(stack.bus) },
      EventPattern: { source: ["portcullis"], "detail-type": ["Portcullis DB Updated"] },
      Targets: [Match.objectLike({ Arn: { "Fn::GetAtt": [logicalId(stack.rescan.planner.fn), "Arn"] } })],
    });
    template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(1 day)",
      Targets: [Match.objectLike({ Arn: { "Fn::GetAtt": [logicalId(stack.rescan.planner.fn), "Arn"] } })],
    });
  });

  it("lets the planner read pull times here and through the member pull roles only", () => {
    const statements = roleStatements(template, stack.rescan.planner.role);
    expect(statementsWith(statements, "ecr:DescribeImages")).toHaveLength(1);
    const assume = statementsWith(statements, "sts:AssumeRole");
    expect(JSON.stringify(assume.map((s) => s.Resource))).toContain(
      `:iam::${MEMBER_ACCOUNTS[0]}:role/portcullis-ecr-pull`,
    );
    const env = fnOf(stack.rescan.planner.fn)?.Properties.Environment.Variables;
    expect(env.MEMBER_ACCOUNT_IDS).toBe(MEMBER_ACCOUNTS.join(","));
    expect(env.CENTRAL_ACCOUNT_ID).toBe("123456789012");
  });

  it("feeds the re-match queue to workers with partial batch failures and a DLQ after three receives", () => {
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: { Ref: logicalId(stack.rescan.worker.fn) },
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
    template.hasResourceProperties("AWS::SQS::Queue", {
      RedrivePolicy: {
        deadLetterTargetArn: { "Fn::GetAtt": [logicalId(stack.rescan.dlq), "Arn"] },
        maxReceiveCount: 3,
      },
    });
  });

  it("re-matches with the DB the scan workers read and announces on the bus", () => {
    const worker = fnOf(stack.rescan.worker.fn)?.Properties.Environment.Variables;
    const scanWorker = fnOf(stack.worker.fn)?.Properties.Environment.Variables;
    expect(worker.DB_KEY).toBe(scanWorker.DB_KEY);
    expect(worker.EVENT_BUS_NAME).toEqual(scanWorker.EVENT_BUS_NAME);
    expect(worker.REPOSITORY_POLICIES).toBe(scanWorker.REPOSITORY_POLICIES);
    const actions = new Set(roleStatements(template, stack.rescan.worker.role).flatMap(actionsOf));
    expect(actions).toContain("events:PutEvents");
    for (const action of actions)
      expect(action).toMatch(/^(s3:GetObject|s3:PutObject|dynamodb:|kms:|sqs:|events:PutEvents|logs:|xray:)/);
  });
});

describe("Google Artifact Registry", () => {
  const fnOf = (f: IConstruct) => template.findResources("AWS::Lambda::Function")[logicalId(f)];
  const garIntake = () => {
    if (!stack.garIntake) throw new Error("the GAR intake is configured in synth-app");
    return stack.garIntake;
  };

  it("exposes the push endpoint as a function URL whose function checks the OIDC token itself", () => {
    template.hasResourceProperties("AWS::Lambda::Url", {
      AuthType: "NONE",
      TargetFunctionArn: { "Fn::GetAtt": [logicalId(garIntake().function.fn), "Arn"] },
    });
    const env = fnOf(garIntake().function.fn)?.Properties.Environment.Variables;
    expect(env.PUSH_AUDIENCE).toBe("portcullis-gar-push-test");
    expect(env.PUSH_SERVICE_ACCOUNT).toBe("portcullis-push@my-project.iam.gserviceaccount.com");
    expect(env.QUEUE_URL).toEqual({ Ref: logicalId(stack.scanQueue) });
    // Bounded, so unauthenticated floods cannot take the account's whole concurrency.
    expect(fnOf(garIntake().function.fn)?.Properties.ReservedConcurrentExecutions).toBe(20);
    const outputs = Object.keys(template.findOutputs("*"));
    expect(outputs.some((name) => name.includes("PushEndpoint"))).toBe(true);
  });

  it("gives the worker and the inventory sync the workload identity settings, never a key", () => {
    for (const fn of [stack.worker.fn, stack.inventorySync.function.fn]) {
      const env = fnOf(fn)?.Properties.Environment.Variables;
      expect(JSON.parse(env.GCP_WIF_CONFIG)).toEqual({
        projectNumber: "123456789012",
        poolId: "portcullis",
        providerId: "aws-central",
        serviceAccountEmail: "portcullis-scanner@my-project.iam.gserviceaccount.com",
      });
      expect(JSON.stringify(env)).not.toMatch(/private_key|BEGIN PRIVATE KEY/);
    }
    const outputs = template.findOutputs("*");
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(["ScanWorkerRoleName", "InventorySyncRoleName"]),
    );
  });

  it("runs the inventory sync on its schedule over this account, the members and the GAR projects", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(3 hours)",
      Targets: [
        Match.objectLike({ Arn: { "Fn::GetAtt": [logicalId(stack.inventorySync.function.fn), "Arn"] } }),
      ],
    });
    const env = fnOf(stack.inventorySync.function.fn)?.Properties.Environment.Variables;
    expect(JSON.parse(env.ECR_INVENTORY)).toEqual([
      { account: "123456789012", regions: ["eu-west-1"] },
      ...MEMBER_ACCOUNTS.map((account) => ({ account, regions: ["eu-west-1"] })),
    ]);
    expect(JSON.parse(env.GAR_INVENTORY)).toEqual([
      { project: "my-project", locations: ["us-central1", "europe-west1"] },
      { project: "example.com:other-project", locations: ["us"] },
    ]);
  });

  it("lets the inventory sync list images, read Image items, assume pull roles and queue jobs only", () => {
    const statements = roleStatements(template, stack.inventorySync.function.role);
    const actions = new Set(statements.flatMap(actionsOf));
    expect(actions).toEqual(
      new Set([
        ...[...actions].filter((a) => /^(logs|xray|kms):/.test(a)),
        "ecr:DescribeRepositories",
        "ecr:DescribeImages",
        "dynamodb:BatchGetItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "sts:AssumeRole",
        ...[...actions].filter((a) => a.startsWith("sqs:")),
      ]),
    );
    for (const action of actions) expect(action).not.toMatch(/^sqs:(Receive|Delete)/);
    const assume = statementsWith(statements, "sts:AssumeRole");
    expect(JSON.stringify(assume)).toContain(`:iam::${MEMBER_ACCOUNTS[0]}:role/portcullis-ecr-pull`);
    expect(JSON.stringify(assume)).toContain(ORG_ID);
  });
});

describe("dashboard", () => {
  const fnOf = (f: IConstruct) => template.findResources("AWS::Lambda::Function")[logicalId(f)];

  it("signs users in with Cognito: no self sign-up, MFA required, threat protection, a viewers group", () => {
    template.hasResourceProperties("AWS::Cognito::UserPool", {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: "ON",
      UserPoolTier: "PLUS",
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 14, RequireSymbols: true }) },
    });
    template.hasResourceProperties("AWS::Cognito::UserPoolGroup", { GroupName: "portcullis-viewers" });
    template.hasResourceProperties("AWS::Cognito::UserPoolClient", {
      GenerateSecret: false,
      AllowedOAuthFlows: ["code"],
    });
    template.hasResourceProperties("AWS::Cognito::UserPoolDomain", { Domain: "portcullis-test-dashboard" });
  });

  it("puts every API route behind the Cognito JWT authorizer, with access logs", () => {
    template.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", {
      AuthorizerType: "JWT",
      JwtConfiguration: Match.objectLike({ Audience: [Match.anyValue()] }),
    });
    const routes = Object.values(template.findResources("AWS::ApiGatewayV2::Route"));
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes) {
      expect(route.Properties.AuthorizationType).toBe("JWT");
      expect(route.Properties.RouteKey).toMatch(/^GET \/api\//);
    }
    template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });

  it("serves the page and /api/* from one CloudFront origin, API answers never cached", () => {
    template.hasResourceProperties("AWS::CloudFront::Distribution", {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: "index.html",
        CacheBehaviors: [Match.objectLike({ PathPattern: "/api/*", ViewerProtocolPolicy: "https-only" })],
        Logging: Match.objectLike({ Bucket: Match.anyValue() }),
      }),
    });
    template.hasResourceProperties("AWS::CloudFront::ResponseHeadersPolicy", {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          ContentSecurityPolicy: Match.objectLike({
            ContentSecurityPolicy: Match.stringLikeRegexp("default-src 'self'"),
          }),
        }),
      }),
    });
  });

  it("gives the API key lookups and Queries (no Scan) and report/SBOM downloads only", () => {
    const actions = new Set(roleStatements(template, stack.dashboard.api.role).flatMap(actionsOf));
    for (const action of actions) {
      expect(action).toMatch(
        /^(dynamodb:(BatchGetItem|GetItem|Query|Scan|ConditionCheckItem|DescribeTable|GetRecords|GetShardIterator)|s3:GetObject|kms:Decrypt|kms:DescribeKey|logs:|xray:)/,
      );
    }
    expect(fnOf(stack.dashboard.api.fn)?.Properties.Environment.Variables.TABLE_NAME).toBeDefined();
  });

  it("snapshots the trend and top vulnerabilities every 3 hours", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(3 hours)",
      Targets: [Match.objectLike({ Arn: { "Fn::GetAtt": [logicalId(stack.dashboard.snapshot.fn), "Arn"] } })],
    });
  });

  it("imports scans into Security Hub when configured, with BatchImportFindings on the account's product only", () => {
    const importer = stack.securityHubImport;
    if (!importer) throw new Error("securityHubImport is on in synth-app");
    const statements = roleStatements(template, importer.function.role);
    const importStatement = statementsWith(statements, "securityhub:BatchImportFindings");
    expect(importStatement).toHaveLength(1);
    expect(JSON.stringify(importStatement[0]?.Resource)).toContain("product/123456789012/default");
    template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: { source: ["portcullis"], "detail-type": ["Portcullis Scan Completed"] },
      Targets: [Match.objectLike({ Arn: { "Fn::GetAtt": [logicalId(importer.function.fn), "Arn"] } })],
    });
  });
});
