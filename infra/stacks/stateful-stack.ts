import { Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from "aws-cdk-lib/aws-dynamodb";
import { ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import { BlockPublicAccess, Bucket, BucketEncryption, StorageClass } from "aws-cdk-lib/aws-s3";
import { NagSuppressions } from "cdk-nag";
import type { Construct } from "constructs";
import { INDEXES, TABLE_KEYS, TTL_ATTRIBUTE } from "../../lib/aws/table-design.js";
import type { PortcullisConfig } from "../config.js";
import { secureBucket } from "../constructs/secure-bucket.js";

export interface StatefulStackProps extends StackProps {
  readonly config: PortcullisConfig;
}

/** Everything that holds data and must survive a redeploy: key, table, buckets. All RETAIN. */
export class StatefulStack extends Stack {
  readonly key: Key;
  readonly table: Table;
  readonly reportBucket: Bucket;
  readonly dbBucket: Bucket;
  readonly accessLogsBucket: Bucket;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.key = new Key(this, "DataKey", {
      alias: "alias/portcullis",
      description: "Portcullis data at rest: table, buckets, topics",
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch alarm actions publish to the KMS-encrypted alarm topic; the service needs the key.
    this.key.grant(new ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey");

    this.table = new Table(this, "Table", {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Index names, keys and projections come from the table design the stores use.
    for (const index of Object.values(INDEXES)) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: index.projection === "ALL" ? ProjectionType.ALL : ProjectionType.KEYS_ONLY,
      });
    }

    // S3 server access logs cannot be delivered to an SSE-KMS bucket, so this one uses SSE-S3.
    this.accessLogsBucket = new Bucket(this, "AccessLogsBucket", {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      lifecycleRules: [
        { id: "expire-logs", expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    NagSuppressions.addResourceSuppressions(this.accessLogsBucket, [
      {
        id: "AwsSolutions-S1",
        reason: "This is the server access log target; logging it into itself would loop.",
      },
    ]);

    this.reportBucket = secureBucket(this, "ReportBucket", {
      encryptionKey: this.key,
      accessLogsBucket: this.accessLogsBucket,
      accessLogsPrefix: "report-bucket/",
      lifecycleRules: [
        // Reports and SBOMs are rewritten per scan; superseded versions are only kept for a short undo.
        { id: "expire-noncurrent", noncurrentVersionExpiration: Duration.days(30) },
        {
          id: "age-old-reports",
          transitions: [
            { storageClass: StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(90) },
            { storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(365) },
          ],
        },
      ],
    });

    this.dbBucket = secureBucket(this, "VulnDbBucket", {
      encryptionKey: this.key,
      accessLogsBucket: this.accessLogsBucket,
      accessLogsPrefix: "vuln-db-bucket/",
      bucketName:
        config.dbBucketNamePrefix === undefined
          ? undefined
          : `${config.dbBucketNamePrefix}-${this.account}-${this.region}`,
      lifecycleRules: [
        // DB files are immutable and versioned by name; old object versions only serve a rollback.
        { id: "expire-noncurrent", noncurrentVersionExpiration: Duration.days(14) },
      ],
    });
  }
}
