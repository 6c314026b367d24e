import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoFindingsStore } from "../lib/aws/dynamo-findings-store.js";
import { SqsScanQueue } from "../lib/aws/sqs-scan-queue.js";
import type { Logger } from "../lib/logger.js";
import { type IntakeConfig, jobsFromEcrEvent } from "../lib/pipeline/ecr-events.js";
import type { FindingsStore } from "../lib/stores/findings-store.js";
import type { ScanJob, ScanQueue } from "../lib/stores/scan-job.js";
import { optionalEnv, requiredEnv } from "./aws-env.js";
import { loggerPort } from "./powertools-logger.js";
import { traced } from "./powertools-tracer.js";

export interface IntakeDeps {
  queue: ScanQueue;
  /** recordPushed counts the image for the dashboard's coverage (pushed vs scanned). */
  store: Pick<FindingsStore, "markDeleted"> & { recordPushed(job: ScanJob): Promise<void> };
  config: IntakeConfig;
  logger: Logger;
}

export interface IntakeResponse {
  queued: number;
  deleted: number;
  ignored?: string;
  invalid?: string;
}

/**
 * EventBridge target for ECR events. A bad or uninteresting event is logged and answered, never
 * thrown (a retry would fail the same way); a queue or store failure throws so EventBridge retries.
 */
export function createHandler(deps: IntakeDeps): (event: unknown) => Promise<IntakeResponse> {
  return async (event) => {
    const result = jobsFromEcrEvent(event, deps.config);
    const eventId = eventIdOf(event);
    if (result.invalid) {
      deps.logger.warn("invalid ECR event dropped", { eventId, reason: result.invalid });
      return { queued: 0, deleted: 0, invalid: result.invalid };
    }
    if (result.ignored) {
      deps.logger.info("ECR event ignored", { eventId, reason: result.ignored });
      return { queued: 0, deleted: 0, ignored: result.ignored };
    }
    for (const job of result.jobs) await deps.store.recordPushed(job);
    if (result.jobs.length > 0) await deps.queue.enqueue(result.jobs);
    const at = eventTimeOf(event);
    for (const key of result.deletes) await deps.store.markDeleted(key, at);
    deps.logger.info("ECR event handled", {
      eventId,
      queued: result.jobs.map((j) => `${j.repository}@${j.digest}`),
      deleted: result.deletes,
    });
    return { queued: result.jobs.length, deleted: result.deletes.length };
  };
}

// Only read after validation succeeded, so both are well-formed strings.
function eventIdOf(event: unknown): string | undefined {
  const id = (event as { id?: unknown } | null)?.id;
  return typeof id === "string" ? id.slice(0, 128) : undefined;
}

function eventTimeOf(event: unknown): string {
  return new Date((event as { time: string }).time).toISOString();
}

let real: ((event: unknown) => Promise<IntakeResponse>) | undefined;

/** The deployed handler: clients built once per cold start from the environment. */
export const handler = (event: unknown): Promise<IntakeResponse> => {
  real ??= createHandler({
    queue: new SqsScanQueue({ client: traced(new SQSClient({})), queueUrl: requiredEnv("QUEUE_URL") }),
    store: new DynamoFindingsStore(traced(new DynamoDBClient({})), requiredEnv("TABLE_NAME")),
    config: {
      ...(optionalEnv("CENTRAL_ACCOUNT_ID") ? { centralAccount: optionalEnv("CENTRAL_ACCOUNT_ID") } : {}),
      ...(optionalEnv("PULL_ROLE_ARN_TEMPLATE")
        ? { pullRoleArnTemplate: optionalEnv("PULL_ROLE_ARN_TEMPLATE") }
        : {}),
    },
    logger: loggerPort(new PowertoolsLogger({ serviceName: "portcullis-ecr-intake" })),
  });
  return real(event);
};
