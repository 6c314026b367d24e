import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";
import { S3Client } from "@aws-sdk/client-s3";
import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  SecurityHubClient,
} from "@aws-sdk/client-securityhub";
import type { EventBridgeEvent } from "aws-lambda";
import { S3BlobStore } from "../lib/aws/s3-blob-store.js";
import {
  type BatchImportFindingsResult,
  importScanToSecurityHub,
  type SecurityHubImportDeps,
  type SecurityHubImportOutcome,
  type SecurityHubPort,
} from "../lib/aws/security-hub-import.js";
import type { AsffFinding } from "../lib/report/asff-writer.js";
import type { ScanReport } from "../lib/report/scan-report.js";
import { optionalEnv, requiredEnv } from "./aws-env.js";
import { loggerPort } from "./powertools-logger.js";
import { traced } from "./powertools-tracer.js";

/** EventBridge target for `Portcullis Scan Completed`, deployed only when Security Hub import is on. */
export function createHandler(
  deps: SecurityHubImportDeps,
): (event: EventBridgeEvent<string, unknown>) => Promise<SecurityHubImportOutcome> {
  return (event) => importScanToSecurityHub(event, deps);
}

/** s3://bucket/key → the stored report. */
async function readS3Report(s3: S3Client, uri: string): Promise<ScanReport | undefined> {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new Error(`not an s3:// URI: ${uri.slice(0, 200)}`);
  const body = await new S3BlobStore(s3, { bucket: match[1] as string }).get(match[2] as string);
  return body ? (JSON.parse(body.toString("utf8")) as ScanReport) : undefined;
}

/** BatchImportFindings through the SDK client; the body is the ASFF the writer already produces. */
export function securityHubClient(client: SecurityHubClient): SecurityHubPort {
  return {
    async batchImportFindings(findings: readonly AsffFinding[]): Promise<BatchImportFindingsResult> {
      const output = await client.send(
        // The writer's ASFF is the API's shape; the SDK's types are stricter about enums.
        new BatchImportFindingsCommand({ Findings: findings as unknown as AwsSecurityFinding[] }),
      );
      return {
        FailedCount: output.FailedCount ?? 0,
        SuccessCount: output.SuccessCount ?? 0,
        FailedFindings: (output.FailedFindings ?? []).map((f) => ({
          Id: f.Id ?? "",
          ErrorCode: f.ErrorCode ?? "",
          ErrorMessage: f.ErrorMessage ?? "",
        })),
      };
    },
  };
}

let real: ((event: EventBridgeEvent<string, unknown>) => Promise<SecurityHubImportOutcome>) | undefined;

/**
 * The deployed handler. Env: SECURITY_HUB_ACCOUNT_ID (the account whose hub receives the findings),
 * AWS_REGION (set by Lambda), SECURITY_HUB_PRODUCT_ARN (optional; default: the account's own
 * "default" product). The report is read from the s3:// URI the event names.
 */
export const handler = (event: EventBridgeEvent<string, unknown>): Promise<SecurityHubImportOutcome> => {
  if (!real) {
    const region = requiredEnv("AWS_REGION");
    const productArn = optionalEnv("SECURITY_HUB_PRODUCT_ARN");
    const s3 = traced(new S3Client({}));
    real = createHandler({
      hub: securityHubClient(traced(new SecurityHubClient({ region }))),
      readReport: (uri) => readS3Report(s3, uri),
      accountId: requiredEnv("SECURITY_HUB_ACCOUNT_ID"),
      region,
      ...(productArn ? { productArn } : {}),
      logger: loggerPort(new PowertoolsLogger({ serviceName: "portcullis-security-hub-import" })),
    });
  }
  return real(event);
};
