import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoFindingsStore } from "../lib/aws/dynamo-findings-store.js";
import { SqsScanQueue } from "../lib/aws/sqs-scan-queue.js";
import { garEventTime, jobsFromGarMessage } from "../lib/gcp/gar-events.js";
import { DEFAULT_MAX_PUSH_BODY, parsePushRequest } from "../lib/gcp/pubsub-push.js";
import { createPushTokenVerifier, type PushTokenVerifier } from "../lib/gcp/push-token-verifier.js";
import type { Logger } from "../lib/logger.js";
import type { FindingsStore } from "../lib/stores/findings-store.js";
import type { ScanJob, ScanQueue } from "../lib/stores/scan-job.js";
import { optionalEnv, requiredEnv } from "./aws-env.js";
import { loggerPort } from "./powertools-logger.js";
import { traced } from "./powertools-tracer.js";

export interface GarIntakeDeps {
  verifier: PushTokenVerifier;
  queue: ScanQueue;
  /** recordPushed counts the image for the dashboard's coverage (pushed vs scanned). */
  store: Pick<FindingsStore, "markDeleted"> & { recordPushed(job: ScanJob): Promise<void> };
  logger: Logger;
  /** Largest body accepted; default 64 KiB. */
  maxBodyBytes?: number;
  now?: () => Date;
}

/** The parts of a Lambda function URL (payload format 2.0) request the intake reads. */
export interface FunctionUrlRequest {
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext?: { requestId?: string; http?: { method?: string } };
}

export interface FunctionUrlResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Pub/Sub push endpoint for Artifact Registry's `gcr` topic, behind a function URL with auth NONE:
 * the OIDC token is the only gate, so it is checked before the body is looked at. A 2xx
 * acknowledges the message; anything else makes Pub/Sub redeliver it with backoff. So authentic
 * messages we cannot use are acknowledged (a retry would fail the same way), and a queue or store
 * failure answers 503.
 */
export function createHandler(
  deps: GarIntakeDeps,
): (event: FunctionUrlRequest) => Promise<FunctionUrlResponse> {
  const maxBody = deps.maxBodyBytes ?? DEFAULT_MAX_PUSH_BODY;
  return async (event) => {
    const requestId = event.requestContext?.requestId?.slice(0, 128);
    const method = event.requestContext?.http?.method ?? "";
    if (method !== "POST") return reply(405, { error: "method not allowed" }, { allow: "POST" });

    const headers = lowerCase(event.headers ?? {});
    const auth = await deps.verifier.verify(headers.authorization);
    if (!auth.ok) {
      if (auth.retryable) {
        deps.logger.error("cannot verify push token", { requestId, reason: auth.reason });
        return reply(503, { error: "token verification unavailable" }, { "retry-after": "10" });
      }
      deps.logger.warn("push refused", { requestId, reason: auth.reason });
      return reply(401, { error: "unauthorized" }, { "www-authenticate": 'Bearer error="invalid_token"' });
    }

    const body = readBody(event, maxBody);
    if (body === undefined) return reply(413, { error: `body larger than ${maxBody} bytes` });
    const message = parsePushRequest({ body, headers }, { maxBodyBytes: maxBody });
    if ("invalid" in message) {
      deps.logger.warn("invalid push acknowledged", { requestId, reason: message.invalid });
      return reply(200, { acknowledged: true, invalid: message.invalid });
    }
    const context = { requestId, messageId: message.messageId, subscription: message.subscription };
    const result = jobsFromGarMessage(message, deps.now ? { now: deps.now } : {});
    if (result.invalid) {
      deps.logger.warn("invalid GAR message acknowledged", { ...context, reason: result.invalid });
      return reply(200, { acknowledged: true, invalid: result.invalid });
    }
    if (result.ignored) {
      deps.logger.info("GAR message ignored", { ...context, reason: result.ignored });
      return reply(200, { acknowledged: true, ignored: result.ignored });
    }

    try {
      for (const job of result.jobs) await deps.store.recordPushed(job);
      if (result.jobs.length > 0) await deps.queue.enqueue(result.jobs);
      // jobsFromGarMessage has already refused an unreadable publish time.
      const at = garEventTime(message, deps.now ? { now: deps.now } : {}) ?? new Date().toISOString();
      for (const key of result.deletes) await deps.store.markDeleted(key, at);
    } catch (err) {
      // Not acknowledged: Pub/Sub redelivers, and a repeated enqueue or delete is harmless.
      deps.logger.error("GAR message not handled, Pub/Sub will redeliver", {
        ...context,
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      });
      return reply(503, { error: "temporarily unavailable" }, { "retry-after": "10" });
    }
    deps.logger.info("GAR message handled", {
      ...context,
      queued: result.jobs.map((j) => `${j.repository}@${j.digest}`),
      deleted: result.deletes,
    });
    return reply(200, { queued: result.jobs.length, deleted: result.deletes.length });
  };
}

/** The body as bytes, or undefined when it is over the cap (checked before decoding). */
function readBody(event: FunctionUrlRequest, maxBody: number): Buffer | undefined {
  const text = event.body ?? "";
  if (event.isBase64Encoded) {
    if (text.length > Math.ceil(maxBody / 3) * 4) return undefined;
    const bytes = Buffer.from(text, "base64");
    return bytes.length > maxBody ? undefined : bytes;
  }
  if (text.length > maxBody) return undefined;
  const bytes = Buffer.from(text, "utf8");
  return bytes.length > maxBody ? undefined : bytes;
}

// Function URLs already lower-case header names; other callers (serve, tests) may not.
function lowerCase(headers: Record<string, string | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

function reply(statusCode: number, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return {
    statusCode,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  };
}

let real: ((event: FunctionUrlRequest) => Promise<FunctionUrlResponse>) | undefined;

/** The deployed handler: clients and the key set cache built once per cold start from the environment. */
export const handler = (event: FunctionUrlRequest): Promise<FunctionUrlResponse> => {
  real ??= createHandler({
    verifier: createPushTokenVerifier({
      audience: requiredEnv("PUSH_AUDIENCE"),
      serviceAccountEmail: requiredEnv("PUSH_SERVICE_ACCOUNT"),
      ...(optionalEnv("PUSH_JWKS_URL") ? { jwksUrl: optionalEnv("PUSH_JWKS_URL") } : {}),
    }),
    queue: new SqsScanQueue({ client: traced(new SQSClient({})), queueUrl: requiredEnv("QUEUE_URL") }),
    store: new DynamoFindingsStore(traced(new DynamoDBClient({})), requiredEnv("TABLE_NAME")),
    logger: loggerPort(new PowertoolsLogger({ serviceName: "portcullis-gar-intake" })),
  });
  return real(event);
};
