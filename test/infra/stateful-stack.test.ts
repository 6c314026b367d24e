import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { readConfig } from "../../infra/config.js";
import { StatefulStack } from "../../infra/stacks/stateful-stack.js";
import { INDEXES } from "../../lib/aws/table-design.js";
import { logicalId } from "./synth-app.js";

let stack: StatefulStack;
let template: Template;

beforeAll(() => {
  const app = new App({ context: { "portcullis:dbBucketNamePrefix": "portcullis-db" } });
  stack = new StatefulStack(app, "Stateful", { config: readConfig(app.node, {}) });
  template = Template.fromStack(stack);
});

describe("StatefulStack", () => {
  it("has a rotating KMS key that is retained", () => {
    template.hasResource("AWS::KMS::Key", {
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
    });
  });

  it("creates the single table: on demand, KMS, PITR, TTL, retained", () => {
    template.resourceCountIs("AWS::DynamoDB::Table", 1);
    template.hasResource("AWS::DynamoDB::Table", {
      DeletionPolicy: "Retain",
      Properties: {
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: [
          { AttributeName: "PK", KeyType: "HASH" },
          { AttributeName: "SK", KeyType: "RANGE" },
        ],
        SSESpecification: {
          SSEEnabled: true,
          SSEType: "KMS",
          KMSMasterKeyId: { "Fn::GetAtt": [logicalId(stack.key), "Arn"] },
        },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
        DeletionProtectionEnabled: true,
      },
    });
  });

  it("has the five GSIs with the key names of the table design", () => {
    const table = Object.values(template.findResources("AWS::DynamoDB::Table"))[0];
    const gsis = table?.Properties.GlobalSecondaryIndexes as Array<Record<string, unknown>>;
    expect(gsis).toEqual([
      {
        IndexName: "GSI1",
        KeySchema: [
          { AttributeName: "PK1", KeyType: "HASH" },
          { AttributeName: "SK1", KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
      {
        IndexName: "GSI2",
        KeySchema: [
          { AttributeName: "PK2", KeyType: "HASH" },
          { AttributeName: "SK2", KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
      {
        IndexName: "GSI3",
        KeySchema: [
          { AttributeName: "PK3", KeyType: "HASH" },
          { AttributeName: "SK3", KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
      {
        IndexName: "GSI4",
        KeySchema: [
          { AttributeName: "PK4", KeyType: "HASH" },
          { AttributeName: "SK4", KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
      {
        // Images by risk for the dashboard (sparse: only active images carry it).
        IndexName: "GSI5",
        KeySchema: [
          { AttributeName: "PK5", KeyType: "HASH" },
          { AttributeName: "SK5", KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
    ]);
    expect(gsis.map((gsi) => gsi.IndexName)).toEqual(Object.values(INDEXES).map((index) => index.name));
    const attributes = table?.Properties.AttributeDefinitions as Array<{ AttributeName: string }>;
    for (const attribute of attributes) expect(attribute).toMatchObject({ AttributeType: "S" });
    expect(attributes.map((a) => a.AttributeName).sort()).toEqual(
      ["PK", "SK", "PK1", "SK1", "PK2", "SK2", "PK3", "SK3", "PK4", "SK4", "PK5", "SK5"].sort(),
    );
  });

  it.each([
    ["report", () => stack.reportBucket],
    ["vulnerability DB", () => stack.dbBucket],
  ])("protects the %s bucket: KMS, versioning, public access block, access logs, retain", (_name, bucket) => {
    const resource = template.findResources("AWS::S3::Bucket")[logicalId(bucket())];
    expect(resource?.DeletionPolicy).toBe("Retain");
    expect(resource?.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: "aws:kms",
              KMSMasterKeyID: { "Fn::GetAtt": [logicalId(stack.key), "Arn"] },
            },
          },
        ],
      },
      VersioningConfiguration: { Status: "Enabled" },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { DestinationBucketName: { Ref: logicalId(stack.accessLogsBucket) } },
    });
  });

  it("denies non-TLS access on every bucket", () => {
    for (const bucket of [stack.reportBucket, stack.dbBucket, stack.accessLogsBucket]) {
      template.hasResourceProperties("AWS::S3::BucketPolicy", {
        Bucket: { Ref: logicalId(bucket) },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: "Deny",
              Action: "s3:*",
              Principal: { AWS: "*" },
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            }),
          ]),
        },
      });
    }
  });

  it("expires noncurrent report versions and moves old reports to colder storage", () => {
    const resource = template.findResources("AWS::S3::Bucket")[logicalId(stack.reportBucket)];
    expect(resource?.Properties.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: "Enabled" }),
        expect.objectContaining({
          Transitions: [
            { StorageClass: "STANDARD_IA", TransitionInDays: 90 },
            { StorageClass: "GLACIER_IR", TransitionInDays: 365 },
          ],
        }),
      ]),
    );
  });

  it("names the DB bucket from the configured prefix", () => {
    const resource = template.findResources("AWS::S3::Bucket")[logicalId(stack.dbBucket)];
    expect(JSON.stringify(resource?.Properties.BucketName)).toContain("portcullis-db-");
  });

  it("keeps the access-log bucket on SSE-S3, private and retained", () => {
    const resource = template.findResources("AWS::S3::Bucket")[logicalId(stack.accessLogsBucket)];
    expect(resource?.DeletionPolicy).toBe("Retain");
    expect(resource?.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
    });
  });
});
