import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { STSClient } from "@aws-sdk/client-sts";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { DynamoFindingsStore } from "../lib/aws/dynamo-findings-store.js";
import { EcrCredentials } from "../lib/aws/ecr-credentials.js";
import { EventBridgePublisher } from "../lib/aws/eventbridge-publisher.js";
import { S3BlobStore } from "../lib/aws/s3-blob-store.js";
import { S3DbRefresher } from "../lib/aws/s3-db-refresher.js";
import { S3LayerCache } from "../lib/aws/s3-layer-cache.js";
import { S3RangeSource } from "../lib/aws/s3-range-source.js";
import { SnsPublisher } from "../lib/aws/sns-publisher.js";
import { AssumeRoleCredentials } from "../lib/aws/sts-assume-role.js";
import { PortcullisError } from "../lib/errors.js";
import { GarCredentials } from "../lib/gcp/gar-credentials.js";
import { createGcpAccessTokenSource } from "../lib/gcp/workload-identity.js";
import { parseReference } from "../lib/image/reference.js";
import { chainCredentials } from "../lib/image/registry/credentials.js";
import { RegistrySource } from "../lib/image/registry/registry-source.js";
import type { Logger } from "../lib/logger.js";
import { ScanCompletedPublisher } from "../lib/notify/scan-publisher.js";
import { ScanJobSchema } from "../lib/pipeline/ecr-events.js";
import { processScanJob, type ScanOutcome, type ScanWorkerDeps } from "../lib/pipeline/scan-worker.js";
import { parseRepositoryPolicies, type RepositoryPolicies } from "../lib/policy/repository-policy.js";
import { imageName, type ScanJob } from "../lib/stores/scan-job.js";
import { openDatabase, openDatabaseFile, type VulnDb } from "../lib/vulndb/db/db-reader.js";
import { optionalEnv, requiredEnv } from "./aws-env.js";
import { workloadIdentityFromEnv } from "./gcp-workload-identity.js";
import { loggerPort } from "./powertools-logger.js";
import { traced } from "./powertools-tracer.js";

export type WorkerDeps = Omit<ScanWorkerDeps, "deadline" | "logger"> & {
  logger: Logger;
  /** Counts an event as a CloudWatch metric (EMF in the deployed handler). */
  countMetric?: (name: string, value: number) => void;
  /** The DB to scan with now (reloaded when db-update published a new build); asked per invocation. */
  currentDb?: () => Promise<VulnDb | undefined>;
};

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
    if (deps.currentDb) {
      const db = await deps.currentDb();
      if (db) deps.vulnDb = db;
    }
    // One scan at a time: a scan already uses every core and most of the memory.
    const processor = new BatchProcessor(EventType.SQS);
    const deadline = context ? () => context.getRemainingTimeInMillis() : undefined;
    const recordHandler = async (record: SQSRecord): Promise<ScanOutcome> => {
      const job = parseJob(record);
      const outcome = await processScanJob(job, { ...deps, ...(deadline ? { deadline } : {}) });
      if (outcome.status === "scanned" && outcome.notification?.status === "failed") {
        // The scan is stored and stays so; the lost notification is made loud, not retried.
        deps.logger.error("scan stored but its notification failed", {
          messageId: record.messageId,
          imageKey: outcome.imageKey,
          failures: outcome.notification.failures,
        });
        deps.countMetric?.("NotificationFailures", 1);
      }
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
  // A failed cold start (S3 or the DB unreachable) is retried by the next invocation, not cached.
  real ??= coldStart().catch((err: unknown) => {
    real = undefined;
    throw err;
  });
  return (await real)(event, context);
};

async function coldStart(): Promise<ReturnType<typeof createHandler>> {
  const logger = loggerPort(new PowertoolsLogger({ serviceName: "portcullis-scan-worker" }));
  const s3 = traced(new S3Client({}));
  const reportBucket = requiredEnv("BUCKET_NAME");
  const blobs = new S3BlobStore(s3, { bucket: reportBucket });
  const externalId = optionalEnv("PULL_EXTERNAL_ID");
  const roles = new AssumeRoleCredentials({
    client: traced(new STSClient({})),
    ...(externalId ? { externalId } : {}),
  });
  const ecr = new EcrCredentials({ assumeRole: (role) => roles.provider(role) });
  const gar = garCredentials();
  const refresher = dbRefresher(s3, logger);
  const vulnDb = refresher ? await currentOrNone(refresher, logger) : await openVulnDb(s3, logger);
  const busName = optionalEnv("EVENT_BUS_NAME");
  const topicArn = optionalEnv("SCAN_TOPIC_ARN");
  const publisher =
    busName || topicArn
      ? new ScanCompletedPublisher({
          ...(busName
            ? { events: new EventBridgePublisher(traced(new EventBridgeClient({})), { busName }) }
            : {}),
          ...(topicArn ? { messages: new SnsPublisher(traced(new SNSClient({})), { topicArn }) } : {}),
          reportBucket,
          logger,
        })
      : undefined;
  return createHandler({
    store: new DynamoFindingsStore(traced(new DynamoDBClient({})), requiredEnv("TABLE_NAME")),
    blobs,
    layerCache: new S3LayerCache(blobs, logger),
    ...(vulnDb ? { vulnDb } : {}),
    ...(refresher ? { currentDb: () => currentOrNone(refresher, logger) } : {}),
    ...(publisher ? { publisher } : {}),
    ...repositoryPolicies(),
    countMetric: emfCount,
    logger,
    openSource: (job) =>
      new RegistrySource(parseReference(imageName(job)), {
        credentials: gar
          ? chainCredentials(ecr.provider(job.pullRoleArn), gar.provider())
          : ecr.provider(job.pullRoleArn),
        logger,
      }),
  });
}

/** GAR pulls by workload identity federation, when GCP_WIF_CONFIG is set. */
function garCredentials(): GarCredentials | undefined {
  const identity = workloadIdentityFromEnv();
  return identity
    ? new GarCredentials({ tokens: createGcpAccessTokenSource(identity.config, identity.aws) })
    : undefined;
}

/** REPOSITORY_POLICIES: the server configuration's per-repository policies as JSON (set by CDK). */
function repositoryPolicies(): { policies?: RepositoryPolicies } {
  const json = optionalEnv("REPOSITORY_POLICIES");
  return json ? { policies: parseRepositoryPolicies(JSON.parse(json), "REPOSITORY_POLICIES") } : {};
}

/** DB_BUCKET + DB_KEY: the published DB, read in place by ranged GETs and reloaded when replaced. */
function dbRefresher(s3: S3Client, logger: Logger): S3DbRefresher | undefined {
  const bucket = optionalEnv("DB_BUCKET");
  const key = optionalEnv("DB_KEY");
  if (!bucket || !key) return undefined;
  return new S3DbRefresher(s3, {
    bucket,
    key,
    open: async () => openDatabase(await S3RangeSource.open(s3, { bucket, key })),
    logger,
  });
}

/** Before the first db-update run there is no DB yet: scan inventories rather than fail every job. */
async function currentOrNone(refresher: S3DbRefresher, logger: Logger): Promise<VulnDb | undefined> {
  try {
    return await refresher.current();
  } catch (err) {
    if (!isNoSuchKey(err) && (err as { name?: string }).name !== "NotFound") throw err;
    logger.warn("vulnerability DB not in S3 yet; scanning without it");
    return undefined;
  }
}

/** DB_BUCKET + DB_KEY: read in place from S3 by ranged GETs; else VULN_DB_PATH; else no DB. */
async function openVulnDb(s3: S3Client, logger: Logger): Promise<VulnDb | undefined> {
  const bucket = optionalEnv("DB_BUCKET");
  const key = optionalEnv("DB_KEY");
  if (bucket && key) {
    try {
      return await openDatabase(await S3RangeSource.open(s3, { bucket, key }));
    } catch (err) {
      // Before the first db-update run there is no DB yet: scan inventories rather than fail every job.
      if (!isNoSuchKey(err)) throw err;
      logger.warn("vulnerability DB not in S3 yet; scanning without it", { bucket, key });
      return undefined;
    }
  }
  const path = optionalEnv("VULN_DB_PATH");
  return path ? openDatabaseFile(path) : undefined;
}

function isNoSuchKey(err: unknown): boolean {
  const cause = (err as { cause?: { name?: string; $metadata?: { httpStatusCode?: number } } })?.cause;
  return cause?.name === "NoSuchKey" || cause?.$metadata?.httpStatusCode === 404;
}

/** Powertools Metrics writes Embedded Metric Format: Lambda's log stream turns it into a metric. */
const metrics = new Metrics({ namespace: "Portcullis", serviceName: "portcullis-scan-worker" });

function emfCount(name: string, value: number): void {
  metrics.addMetric(name, MetricUnit.Count, value);
  metrics.publishStoredMetrics();
}
