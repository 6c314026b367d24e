import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ECRClient } from "@aws-sdk/client-ecr";
import { SQSClient } from "@aws-sdk/client-sqs";
import { STSClient } from "@aws-sdk/client-sts";
import { ArtifactRegistryClient } from "@google-cloud/artifact-registry";
import type { EventBridgeEvent } from "aws-lambda";
import type { AuthClient } from "google-auth-library";
import { DynamoFindingsStore } from "../lib/aws/dynamo-findings-store.js";
import {
  type EcrInventoryClient,
  type EcrInventoryTarget,
  ecrInventorySources,
  parseEcrInventoryTargets,
} from "../lib/aws/ecr-inventory.js";
import { SqsScanQueue } from "../lib/aws/sqs-scan-queue.js";
import { AssumeRoleCredentials } from "../lib/aws/sts-assume-role.js";
import { PortcullisError } from "../lib/errors.js";
import {
  type ArtifactRegistryLister,
  type GarInventoryTarget,
  garInventorySources,
  parseGarInventoryTargets,
} from "../lib/gcp/artifact-registry-inventory.js";
import { createExternalAccountAuthClient } from "../lib/gcp/workload-identity.js";
import type { Logger } from "../lib/logger.js";
import {
  type InventorySource,
  type InventorySyncCounts,
  syncInventory,
} from "../lib/pipeline/inventory-sync.js";
import type { ScanJob, ScanQueue } from "../lib/stores/scan-job.js";
import { optionalEnv, requiredEnv } from "./aws-env.js";
import { workloadIdentityFromEnv } from "./gcp-workload-identity.js";
import { loggerPort } from "./powertools-logger.js";
import { traced } from "./powertools-tracer.js";

export interface InventorySyncDeps {
  /** The listings of one run; built per invocation, since a listing can be iterated only once. */
  sources(): InventorySource[];
  scanned(keys: string[]): Promise<Set<string>>;
  /** Counts a listed image as pushed, for the dashboard's coverage. */
  recordPushed?: (job: ScanJob) => Promise<void>;
  queue: ScanQueue;
  graceMs?: number;
  maxJobs?: number;
  now?: () => Date;
  logger: Logger;
}

export class InventorySyncError extends PortcullisError {
  override name = "InventorySyncError";
}

/**
 * Scheduled (EventBridge schedule): lists every configured registry and enqueues a scan of each
 * image never scanned, so a lost push event costs a delay, not a blind spot. One failing source is
 * logged and reported; the run fails (and alarms) only when every source failed.
 */
export function createHandler(
  deps: InventorySyncDeps,
): (event: EventBridgeEvent<string, unknown>) => Promise<InventorySyncCounts> {
  return async () => {
    const sources = deps.sources();
    if (sources.length === 0) {
      deps.logger.warn("no registries configured for the inventory sync (ECR_INVENTORY, GAR_INVENTORY)");
    }
    const counts = await syncInventory({
      sources,
      scanned: deps.scanned,
      ...(deps.recordPushed ? { recordPushed: deps.recordPushed } : {}),
      queue: deps.queue,
      logger: deps.logger,
      ...(deps.graceMs !== undefined ? { graceMs: deps.graceMs } : {}),
      ...(deps.maxJobs !== undefined ? { maxJobs: deps.maxJobs } : {}),
      ...(deps.now ? { now: deps.now } : {}),
    });
    deps.logger.info("inventory sync done", { sources: sources.length, ...counts });
    if (sources.length > 0 && counts.failedSources.length === sources.length) {
      throw new InventorySyncError(
        `every inventory source failed: ${counts.failedSources.map((f) => `${f.source}: ${f.error}`).join("; ")}`.slice(
          0,
          4000,
        ),
      );
    }
    return counts;
  };
}

/** What the sources are built from: the parsed configuration and a client per registry. */
export interface InventorySourceConfig {
  ecr: readonly EcrInventoryTarget[];
  gar: readonly GarInventoryTarget[];
  ecrFor(account: string, region: string): EcrInventoryClient;
  /** Required when `gar` is not empty. */
  artifactRegistry?: ArtifactRegistryLister;
  centralAccount?: string;
  pullRoleArnTemplate?: string;
  logger: Logger;
}

export function inventorySources(config: InventorySourceConfig): InventorySource[] {
  const { logger } = config;
  const ecr = ecrInventorySources(config.ecr, {
    ecrFor: config.ecrFor,
    logger,
    ...(config.centralAccount ? { centralAccount: config.centralAccount } : {}),
    ...(config.pullRoleArnTemplate ? { pullRoleArnTemplate: config.pullRoleArnTemplate } : {}),
  });
  if (config.gar.length === 0) return ecr;
  if (!config.artifactRegistry) throw new InventorySyncError("GAR inventory configured without a client");
  return [...ecr, ...garInventorySources(config.gar, { client: config.artifactRegistry, logger })];
}

let real: Promise<ReturnType<typeof createHandler>> | undefined;

export const handler = async (event: EventBridgeEvent<string, unknown>) => {
  // A failed cold start (bad configuration, GCP auth) is retried by the next run, not cached.
  real ??= coldStart().catch((err: unknown) => {
    real = undefined;
    throw err;
  });
  return (await real)(event);
};

/**
 * Env: QUEUE_URL, TABLE_NAME, CENTRAL_ACCOUNT_ID (required); ECR_INVENTORY `[{account, regions}]`,
 * GAR_INVENTORY `[{project, locations}]`, PULL_ROLE_ARN_TEMPLATE, PULL_EXTERNAL_ID, GCP_WIF_CONFIG,
 * INVENTORY_GRACE_MINUTES (default 15), INVENTORY_MAX_JOBS (optional).
 */
async function coldStart(): Promise<ReturnType<typeof createHandler>> {
  const logger = loggerPort(new PowertoolsLogger({ serviceName: "portcullis-inventory-sync" }));
  const central = requiredEnv("CENTRAL_ACCOUNT_ID");
  const template = optionalEnv("PULL_ROLE_ARN_TEMPLATE");
  const externalId = optionalEnv("PULL_EXTERNAL_ID");
  const ecrJson = optionalEnv("ECR_INVENTORY");
  const garJson = optionalEnv("GAR_INVENTORY");
  const ecr = ecrJson ? parseEcrInventoryTargets(ecrJson) : [];
  const gar = garJson ? parseGarInventoryTargets(garJson) : [];
  const roles = new AssumeRoleCredentials({
    client: traced(new STSClient({})),
    sessionName: "portcullis-inventory",
    ...(externalId ? { externalId } : {}),
  });
  const clients = new Map<string, ECRClient>();
  const ecrFor = (account: string, region: string): EcrInventoryClient => {
    const key = `${account}|${region}`;
    let client = clients.get(key);
    if (!client) {
      client = traced(
        new ECRClient({
          region,
          ...(account !== central && template
            ? { credentials: roles.provider(template.replaceAll("{account}", account)) }
            : {}),
        }),
      );
      clients.set(key, client);
    }
    return client;
  };
  // REST transport (`fallback`): no gRPC stack in the bundle, and the transport the tests exercise.
  const artifactRegistry =
    gar.length > 0 ? new ArtifactRegistryClient({ authClient: gcpAuthClient(), fallback: true }) : undefined;
  const store = new DynamoFindingsStore(traced(new DynamoDBClient({})), requiredEnv("TABLE_NAME"));
  const grace = optionalEnv("INVENTORY_GRACE_MINUTES");
  const maxJobs = optionalEnv("INVENTORY_MAX_JOBS");
  return createHandler({
    sources: () =>
      inventorySources({
        ecr,
        gar,
        ecrFor,
        ...(artifactRegistry ? { artifactRegistry } : {}),
        centralAccount: central,
        ...(template ? { pullRoleArnTemplate: template } : {}),
        logger,
      }),
    scanned: (keys) => store.scannedImageKeys(keys),
    recordPushed: (job) => store.recordPushed(job),
    queue: new SqsScanQueue({
      client: traced(new SQSClient({})),
      queueUrl: requiredEnv("QUEUE_URL"),
      logger,
    }),
    ...(grace ? { graceMs: positiveNumber("INVENTORY_GRACE_MINUTES", grace) * 60_000 } : {}),
    ...(maxJobs ? { maxJobs: positiveNumber("INVENTORY_MAX_JOBS", maxJobs) } : {}),
    logger,
  });
}

/** Artifact Registry's list calls authenticate by workload identity federation (GCP_WIF_CONFIG). */
function gcpAuthClient(): AuthClient {
  const identity = workloadIdentityFromEnv();
  if (!identity) throw new InventorySyncError("GAR_INVENTORY is set but GCP_WIF_CONFIG is not");
  return createExternalAccountAuthClient(identity.config, identity.aws);
}

function positiveNumber(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InventorySyncError(`${name} must be a non-negative number`);
  return n;
}
