import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { S3Client } from "@aws-sdk/client-s3";
import type { ScheduledEvent } from "aws-lambda";
import { EventBridgePublisher } from "../lib/aws/eventbridge-publisher.js";
import type { Logger } from "../lib/logger.js";
import { DbBucket } from "../lib/vulndb/publish/db-bucket.js";
import { dbLayout } from "../lib/vulndb/publish/db-manifest.js";
import { selectFeeds, splitList } from "../lib/vulndb/publish/feed-selection.js";
import {
  type DbUpdateOutcome,
  type DbUpdateRun,
  updateAndPublish,
} from "../lib/vulndb/publish/update-and-publish.js";
import { optionalEnv, requiredEnv } from "./aws-env.js";
import { loggerPort } from "./powertools-logger.js";
import { traced } from "./powertools-tracer.js";

export interface DbUpdateDeps {
  run: DbUpdateRun;
  logger: Logger;
  /** Counts an event as a CloudWatch metric (EMF in the deployed handler). */
  countMetric?: (name: string, value: number) => void;
}

export interface DbUpdateSummary {
  builtAt: string;
  key: string;
  advisories: number;
  added: number;
  modified: number;
  removed: number;
}

/**
 * Scheduled handler. A failure of any step before publishing leaves the published DB as it was;
 * it is logged, counted as `DbUpdateFailed` and rethrown, so the function's Errors alarm fires.
 */
export function createHandler(
  deps: DbUpdateDeps,
): (event?: Partial<ScheduledEvent>) => Promise<DbUpdateSummary> {
  return async (event) => {
    let outcome: DbUpdateOutcome;
    try {
      outcome = await updateAndPublish(deps.run);
    } catch (err) {
      deps.logger.error("vulnerability DB update failed; the published DB is kept", {
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
        ...(event?.id ? { eventId: event.id } : {}),
      });
      deps.countMetric?.("DbUpdateFailed", 1);
      throw err;
    }
    deps.countMetric?.("DbUpdated", 1);
    return {
      builtAt: outcome.manifest.builtAt,
      key: outcome.manifest.key,
      advisories: outcome.manifest.counts.advisories,
      ...outcome.diff.totals,
    };
  };
}

export const DEFAULT_KEEP_VERSIONS = 5;

/** The run settings the environment gives (set by CDK); clients are passed in. */
export function runFromEnv(
  env: NodeJS.ProcessEnv,
  clients: { s3: S3Client; events: DbUpdateRun["events"] },
  logger: Logger,
): DbUpdateRun {
  const read = (name: string) => env[name] || undefined;
  const need = (name: string) => {
    const value = read(name);
    if (!value) throw new Error(`environment variable ${name} is not set`);
    return value;
  };
  const number = (name: string, fallback: number) => {
    const value = read(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < 0)
      throw new Error(`${name}="${value}" is not a non-negative number`);
    return parsed;
  };
  const ecosystems = splitList(read("OSV_ECOSYSTEMS"));
  return {
    feeds: selectFeeds({
      mirrors: splitList(read("FEED_MIRRORS")),
      ...(ecosystems.length > 0 ? { ecosystems } : {}),
      mirrorsOnly: read("FEED_MIRRORS_ONLY") === "true",
    }),
    workDir: read("WORK_DIR") ?? "/tmp/portcullis-db-update",
    bucket: new DbBucket(clients.s3, need("DB_BUCKET")),
    layout: dbLayout(read("DB_PREFIX") ?? "db/"),
    currentKey: need("DB_KEY"),
    keepVersions: Math.max(1, Math.floor(number("KEEP_VERSIONS", DEFAULT_KEEP_VERSIONS))),
    validation: { maxDropRatio: number("MAX_COUNT_DROP", 0.1) },
    events: clients.events,
    logger,
  };
}

let real: ReturnType<typeof createHandler> | undefined;

/** The deployed handler: clients and settings built once per cold start. */
export const handler = async (event: ScheduledEvent): Promise<DbUpdateSummary> => {
  real ??= coldStart();
  return real(event);
};

function coldStart(): ReturnType<typeof createHandler> {
  const logger = loggerPort(new PowertoolsLogger({ serviceName: "portcullis-db-update" }));
  const events = new EventBridgePublisher(traced(new EventBridgeClient({})), {
    busName: requiredEnv("EVENT_BUS_NAME"),
  });
  const run = runFromEnv(process.env, { s3: traced(new S3Client({})), events }, logger);
  logger.info("db-update configured", {
    feeds: run.feeds.length,
    mirrors: optionalEnv("FEED_MIRRORS") ?? "(none)",
    keepVersions: run.keepVersions,
  });
  return createHandler({ run, logger, countMetric: emfCount });
}

/** Powertools Metrics writes Embedded Metric Format: Lambda's log stream turns it into a metric. */
const metrics = new Metrics({ namespace: "Portcullis", serviceName: "portcullis-db-update" });

function emfCount(name: string, value: number): void {
  metrics.addMetric(name, MetricUnit.Count, value);
  metrics.publishStoredMetrics();
}
