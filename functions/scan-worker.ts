import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { STSClient } from "@aws-sdk/client-sts";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { DynamoFindingsStore } from "../lib/aws/dynamo-findings-store.js";
import { EcrCredentials } from "../lib/aws/ecr-credentials.js";
import { S3BlobStore } from "../lib/aws/s3-blob-store.js";
import { S3LayerCache } from "../lib/aws/s3-layer-cache.js";
import { AssumeRoleCredentials } from "../lib/aws/sts-assume-role.js";
import { PortcullisError } from "../lib/errors.js";
import { parseReference } from "../lib/image/reference.js";
import { RegistrySource } from "../lib/image/registry/registry-source.js";
import type { Logger } from "../lib/logger.js";
import { ScanJobSchema } from "../lib/pipeline/ecr-events.js";
import { processScanJob, type ScanOutcome, type ScanWorkerDeps } from "../lib/pipeline/scan-worker.js";
import type { ScanJob } from "../lib/stores/scan-job.js";
import { openDatabaseFile } from "../lib/vulndb/db/db-reader.js";
import { optionalEnv, requiredEnv } from "./aws-env.js";
import { loggerPort } from "./powertools-logger.js";

export type WorkerDeps = Omit<ScanWorkerDeps, "deadline" | "logger"> & { logger: Logger };

/** Thrown for a record SQS should redeliver: it lands in batchItemFailures with its reason. */
export class ScanJobError extends PortcullisError {
  override name = "ScanJobError";
}

/**
 * SQS handler with partial batch responses: each failed or deferred job is reported by its
 * messageId, so only those messages come back (and reach the DLQ after maxReceiveCount).
 */
export function createHandler(
  deps: WorkerDeps,
): (event: SQSEvent, context?: Pick<Context, "getRemainingTimeInMillis">) => Promise<SQSBatchResponse> {
  return async (event, context) => {
    // One scan at a time: a scan already uses every core and most of the memory.
    const processor = new BatchProcessor(EventType.SQS);
    const deadline = context ? () => context.getRemainingTimeInMillis() : undefined;
    const recordHandler = async (record: SQSRecord): Promise<ScanOutcome> => {
      const job = parseJob(record);
      const outcome = await processScanJob(job, { ...deps, ...(deadline ? { deadline } : {}) });
      deps.logger.info("scan job done", {
        messageId: record.messageId,
        imageKey: outcome.imageKey,
        status: outcome.status,
      });
      if (outcome.status === "retry" || outcome.status === "failed")
        throw new ScanJobError(`${outcome.status}: ${outcome.reason}`);
      return outcome;
    };
    return processPartialResponse(event, recordHandler, processor, {
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
  };
}

function parseJob(record: SQSRecord): ScanJob {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    throw new ScanJobError(`message ${record.messageId} is not JSON`);
  }
  const parsed = ScanJobSchema.safeParse(body);
  if (!parsed.success)
    throw new ScanJobError(
      `message ${record.messageId} is not a scan job: ${parsed.error.issues[0]?.message}`,
    );
  return parsed.data as ScanJob;
}

let real: Promise<ReturnType<typeof createHandler>> | undefined;

/** The deployed handler: clients, token caches and the DB opened once per cold start. */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  real ??= coldStart();
  return (await real)(event, context);
};

async function coldStart(): Promise<ReturnType<typeof createHandler>> {
  const logger = loggerPort(new PowertoolsLogger({ serviceName: "portcullis-scan-worker" }));
  const blobs = new S3BlobStore(new S3Client({}), { bucket: requiredEnv("BUCKET_NAME") });
  const externalId = optionalEnv("PULL_EXTERNAL_ID");
  const roles = new AssumeRoleCredentials({
    client: new STSClient({}),
    ...(externalId ? { externalId } : {}),
  });
  const ecr = new EcrCredentials({ assumeRole: (role) => roles.provider(role) });
  const dbPath = optionalEnv("VULN_DB_PATH");
  return createHandler({
    store: new DynamoFindingsStore(new DynamoDBClient({}), requiredEnv("TABLE_NAME")),
    blobs,
    layerCache: new S3LayerCache(blobs, logger),
    ...(dbPath ? { vulnDb: await openDatabaseFile(dbPath) } : {}),
    logger,
    openSource: (job) =>
      new RegistrySource(parseReference(`${job.registry}/${job.repository}@${job.digest}`), {
        credentials: ecr.provider(job.pullRoleArn),
        logger,
      }),
  });
}
