import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { S3Client } from "@aws-sdk/client-s3";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { DynamoFindingsStore } from "../lib/aws/dynamo-findings-store.js";
import { EventBridgePublisher } from "../lib/aws/eventbridge-publisher.js";
import { S3BlobStore } from "../lib/aws/s3-blob-store.js";
import { S3RangeSource } from "../lib/aws/s3-range-source.js";
import { PortcullisError } from "../lib/errors.js";
import type { EventSink } from "../lib/notify/scan-publisher.js";
import { parseRepositoryPolicies } from "../lib/policy/repository-policy.js";
import { rematchBatch } from "../lib/rescan/rematch-batch.js";
import type { RematchDeps, RematchStore, StoredImage } from "../lib/rescan/rematch-image.js";
import { parseRematchMessage } from "../lib/rescan/rematch-message.js";
import { imageRescannedEntry } from "../lib/rescan/rescan-event.js";
import { openDatabase } from "../lib/vulndb/db/db-reader.js";
import { optionalEnv, requiredEnv } from "./aws-env.js";
import { loggerPort } from "./powertools-logger.js";
import { traced } from "./powertools-tracer.js";

export type RescanWorkerDeps = RematchDeps & {
  /**
   * Opens the DB again (the published key now holds a newer build). A warm worker still holds the
   * build it started with; a message planned for a newer one makes it reload first.
   */
  reopenDb?: () => Promise<RematchDeps["vulnDb"]>;
  store: RematchStore;
  /** Where `Portcullis Image Rescanned` goes (the bus); the notifier takes it from there. */
  events: EventSink;
  /** s3:// location of the reports, for the events' report links. */
  reportBucket?: string;
};

export class RematchMessageError extends PortcullisError {
  override name = "RematchMessageError";
}

/**
 * SQS handler of the re-match fan-out. Each message lists up to 100 stored images; each is
 * re-matched from its SBOM, and each that gained or lost findings is announced on the bus. A
 * message with a failed image comes back whole: the images already done are skipped as matched
 * with this DB, so only the failed ones are redone.
 */
export function createHandler(deps: RescanWorkerDeps): (event: SQSEvent) => Promise<SQSBatchResponse> {
  return async (event) => {
    const processor = new BatchProcessor(EventType.SQS);
    const record = async (message: SQSRecord) => {
      let keys: string[];
      let plannedFor: string | undefined;
      try {
        ({ imageKeys: keys, dbBuiltAt: plannedFor } = parseRematchMessage(message.body));
      } catch (err) {
        throw new RematchMessageError(
          `message ${message.messageId} is not a re-match message: ${String(err).slice(0, 300)}`,
        );
      }
      if (plannedFor && plannedFor > deps.vulnDb.metadata.builtAt && deps.reopenDb) {
        const older = deps.vulnDb;
        deps.vulnDb = await deps.reopenDb();
        await older.close();
        deps.logger.info("reloaded the vulnerability DB", { builtAt: deps.vulnDb.metadata.builtAt });
      }
      if (plannedFor && plannedFor > deps.vulnDb.metadata.builtAt)
        throw new RematchMessageError(
          `planned for DB ${plannedFor}, but the published DB is older; retrying later`,
        );
      const result = await rematchBatch(keys, deps);
      for (const outcome of result.outcomes) {
        if (outcome.status !== "rematched" || outcome.added.length + outcome.resolved.length === 0) continue;
        const image = (await deps.store.image(outcome.imageKey)) as StoredImage;
        const reportKey = outcome.summary.reportKey;
        const reportUri =
          deps.reportBucket && reportKey ? `s3://${deps.reportBucket}/${reportKey}` : undefined;
        await deps.events.putEvent(
          imageRescannedEntry(image, outcome.summary.scannedAt, outcome.added, outcome.resolved, reportUri),
        );
      }
      deps.logger.info("re-match message done", {
        messageId: message.messageId,
        images: keys.length,
        changed: result.outcomes.filter((o) => o.added.length + o.resolved.length > 0).length,
        failed: result.failures.length,
      });
      if (result.failures.length > 0)
        throw new RematchMessageError(
          `${result.failures.length} of ${keys.length} images failed to re-match`,
        );
    };
    return processPartialResponse(event, record, processor, {
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
  };
}

let real: Promise<ReturnType<typeof createHandler>> | undefined;

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  real ??= coldStart().catch((err: unknown) => {
    real = undefined;
    throw err;
  });
  return (await real)(event);
};

async function coldStart(): Promise<ReturnType<typeof createHandler>> {
  const logger = loggerPort(new PowertoolsLogger({ serviceName: "portcullis-rescan-worker" }));
  const s3 = traced(new S3Client({}));
  const reportBucket = requiredEnv("BUCKET_NAME");
  const policies = optionalEnv("REPOSITORY_POLICIES");
  // The DB is read in place by ranged GETs: a cold start costs a few pages, not the whole file.
  const openDb = async () =>
    openDatabase(
      await S3RangeSource.open(s3, { bucket: requiredEnv("DB_BUCKET"), key: requiredEnv("DB_KEY") }),
    );
  const vulnDb = await openDb();
  return createHandler({
    store: new DynamoFindingsStore(traced(new DynamoDBClient({})), requiredEnv("TABLE_NAME")),
    blobs: new S3BlobStore(s3, { bucket: reportBucket }),
    vulnDb,
    reopenDb: openDb,
    events: new EventBridgePublisher(traced(new EventBridgeClient({})), {
      busName: requiredEnv("EVENT_BUS_NAME"),
    }),
    reportBucket,
    logger,
    ...(policies ? { policies: parseRepositoryPolicies(JSON.parse(policies), "REPOSITORY_POLICIES") } : {}),
  });
}
