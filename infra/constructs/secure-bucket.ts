import { Duration, RemovalPolicy } from "aws-cdk-lib";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { BlockPublicAccess, Bucket, BucketEncryption, type LifecycleRule } from "aws-cdk-lib/aws-s3";
import type { Construct } from "constructs";

export interface SecureBucketProps {
  readonly encryptionKey: IKey;
  readonly accessLogsBucket: Bucket;
  readonly accessLogsPrefix: string;
  readonly bucketName?: string;
  readonly lifecycleRules?: readonly LifecycleRule[];
}

/** A KMS-encrypted, versioned, private, TLS-only bucket that logs access and is kept on stack deletion. */
export function secureBucket(scope: Construct, id: string, props: SecureBucketProps): Bucket {
  return new Bucket(scope, id, {
    bucketName: props.bucketName,
    encryption: BucketEncryption.KMS,
    encryptionKey: props.encryptionKey,
    // S3 Bucket Keys cut KMS request costs for the many small SBOM and report objects.
    bucketKeyEnabled: true,
    versioned: true,
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    serverAccessLogsBucket: props.accessLogsBucket,
    serverAccessLogsPrefix: props.accessLogsPrefix,
    lifecycleRules: [
      { id: "abort-incomplete-uploads", abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ...(props.lifecycleRules ?? []),
    ],
    removalPolicy: RemovalPolicy.RETAIN,
  });
}
