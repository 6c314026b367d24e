import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ECRClient } from "@aws-sdk/client-ecr";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { STSClient } from "@aws-sdk/client-sts";
import type { EventBridgeEvent } from "aws-lambda";
import { DynamoFindingsStore } from "../lib/aws/dynamo-findings-store.js";
import { S3RangeSource } from "../lib/aws/s3-range-source.js";
import { SqsRematchQueue } from "../lib/aws/sqs-rematch-queue.js";
import { AssumeRoleCredentials } from "../lib/aws/sts-assume-role.js";
import type { Logger } from "../lib/logger.js";
import { DEFAULT_WINDOW_DAYS, planFullRematch } from "../lib/rescan/full-rematch-plan.js";
import { planDbUpdate } from "../lib/rescan/plan-db-update.js";
import { recordPulls } from "../lib/rescan/record-pulls.js";
import type { RematchMessage } from "../lib/rescan/rematch-message.js";
import { openDatabase, type VulnDb } from "../lib/vulndb/db/db-reader.js";
import { DB_UPDATED_DETAIL_TYPE, type DbUpdatedDetail } from "../lib/vulndb/publish/db-updated-event.js";
import { optionalEnv, requiredEnv } from "./aws-env.js";
import { loggerPort } from "./powertools-logger.js";
import { traced } from "./powertools-tracer.js";

export interface RescanPlannerDeps {
  store: Pick<DynamoFindingsStore, "packageIndex" | "activity">;
  /** Opens the DB build an event announces (by its bucket and key). */
  openDb(bucket: string, key: string): Promise<VulnDb>;
  queue: { send(messages: readonly RematchMessage[]): Promise<void> };
  windowDays?: number;
  /** Records ECR pulls since the date as activity, so images still pulled are re-matched too. */
  syncPulls?: (since: Date) => Promise<number>;
  now?: () => Date;
  logger: Logger;
}

/**
 * Two triggers, one job: `Portcullis DB Updated` re-matches the images a DB update can change; the
 * schedule re-matches every image used within the window (default 90 days). Either way the work
 * goes to the re-match queue in messages of 25 images, so many workers share it.
 */
export function createHandler(
  deps: RescanPlannerDeps,
): (event: EventBridgeEvent<string, unknown>) => Promise<{ mode: string; messages: number; images: number }> {
  return async (event) => {
    const now = deps.now?.() ?? new Date();
    let mode: string;
    let messages: RematchMessage[];
    if (event["detail-type"] === DB_UPDATED_DETAIL_TYPE) {
      const detail = event.detail as DbUpdatedDetail;
      const db = await deps.openDb(detail.bucket, detail.versionKey);
      try {
        const plan = await planDbUpdate(detail, {
          db,
          index: deps.store.packageIndex,
          activity: deps.store.activity,
          now,
        });
        mode = `db-update/${plan.mode}`;
        messages = plan.messages;
        deps.logger.info("re-match planned for a DB update", {
          builtAt: detail.builtAt,
          mode: plan.mode,
          why: plan.why,
        });
      } finally {
        await db.close();
      }
    } else {
      mode = "scheduled";
      if (deps.syncPulls) {
        const since = new Date(now.getTime() - (deps.windowDays ?? DEFAULT_WINDOW_DAYS) * 86_400_000);
        deps.logger.info("pull times recorded", { images: await deps.syncPulls(since) });
      }
      messages = await planFullRematch(deps.store.activity, {
        now,
        ...(deps.windowDays !== undefined ? { windowDays: deps.windowDays } : {}),
      });
    }
    await deps.queue.send(messages);
    const images = messages.reduce((n, m) => n + m.imageKeys.length, 0);
    deps.logger.info("re-match messages queued", { mode, messages: messages.length, images });
    return { mode, messages: messages.length, images };
  };
}

let real: ReturnType<typeof createHandler> | undefined;

export const handler = async (event: EventBridgeEvent<string, unknown>) => {
  real ??= coldStart();
  return real(event);
};

function coldStart(): ReturnType<typeof createHandler> {
  const s3 = traced(new S3Client({}));
  const window = optionalEnv("REMATCH_WINDOW_DAYS");
  const store = new DynamoFindingsStore(traced(new DynamoDBClient({})), requiredEnv("TABLE_NAME"));
  const logger = loggerPort(new PowertoolsLogger({ serviceName: "portcullis-rescan-planner" }));
  const central = requiredEnv("CENTRAL_ACCOUNT_ID");
  const accounts = [central, ...splitAccounts(optionalEnv("MEMBER_ACCOUNT_IDS"))];
  const template = optionalEnv("PULL_ROLE_ARN_TEMPLATE");
  const externalId = optionalEnv("PULL_EXTERNAL_ID");
  const roles = new AssumeRoleCredentials({
    client: traced(new STSClient({})),
    ...(externalId ? { externalId } : {}),
  });
  const ecrFor = (account: string, region: string) =>
    traced(
      new ECRClient({
        region,
        ...(account !== central && template
          ? { credentials: roles.provider(template.replaceAll("{account}", account)) }
          : {}),
      }),
    );
  return createHandler({
    store,
    syncPulls: (since) =>
      recordPulls(accounts, since, {
        imagesByAccount: (account) => store.imagesByAccount(account),
        record: (imageKey, at) => store.activity.record(imageKey, at),
        ecrFor,
        logger,
      }),
    openDb: async (bucket, key) => openDatabase(await S3RangeSource.open(s3, { bucket, key })),
    queue: new SqsRematchQueue(traced(new SQSClient({})), requiredEnv("REMATCH_QUEUE_URL")),
    ...(window ? { windowDays: Number(window) } : {}),
    logger,
  });
}

function splitAccounts(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((a) => a.trim())
    .filter((a) => /^\d{12}$/.test(a));
}
