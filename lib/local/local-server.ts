import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoFindingsStore, type ImageRecord } from "../aws/dynamo-findings-store.js";
import { S3BlobStore } from "../aws/s3-blob-store.js";
import { S3LayerCache } from "../aws/s3-layer-cache.js";
import { takeDashboardSnapshot } from "../dashboard/dashboard-snapshot.js";
import { parseReference } from "../image/reference.js";
import { RegistrySource } from "../image/registry/registry-source.js";
import { type Logger, silentLogger } from "../logger.js";
import { jobFromScanRequest } from "../pipeline/ecr-events.js";
import { processScanJob, type ScanOutcome } from "../pipeline/scan-worker.js";
import type { RepositoryPolicies } from "../policy/repository-policy.js";
import { imageName, type ScanJob } from "../stores/scan-job.js";
import { openDatabaseFile, type VulnDb } from "../vulndb/db/db-reader.js";
import { dashboardRoutes } from "./dashboard-routes.js";
import { type DistributionRegistry, startDistributionRegistry } from "./distribution-registry.js";
import { JobQueue } from "./job-queue.js";
import { type LocalEmulators, startLocalEmulators } from "./local-emulators.js";
import { jobsFromRegistryNotification } from "./registry-notifications.js";
import { postWebhook } from "./webhook.js";

export const LOCAL_TABLE_NAME = "portcullis";
export const LOCAL_BUCKET = "portcullis-reports";
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const SNAPSHOT_DELAY_MS = 3000;

export interface LocalServerOptions {
  /** Everything persistent lives here: dynamodb/, s3/, registry/. */
  dataDir: string;
  /** Port of the HTTP API; default a free one. Always bound to 127.0.0.1. */
  port?: number;
  /** Start the distribution registry, configured to notify this server. */
  startRegistry?: boolean;
  registryPort?: number;
  /** Vulnerability DB file; without it scans list packages only. */
  vulnDbPath?: string;
  /** Each scan result is POSTed here as JSON. */
  webhook?: string;
  /** Per-repository policies (the server configuration's `policies`). */
  policies?: RepositoryPolicies;
  /** Scans running at once (default 2). */
  concurrency?: number;
  logger?: Logger;
  /** One line per finished scan; default: nothing. */
  print?: (line: string) => void;
}

/** The JSON a finished scan produces: printed as a line, and POSTed to the webhook. */
export interface ScanNotification {
  image: string;
  imageKey: string;
  status: ScanOutcome["status"];
  packages?: number;
  counts?: Record<string, number>;
  maxSeverity?: string;
  reportKey?: string;
  reason?: string;
  /** When the registry (or POST /scans) reported the image. */
  pushedAt: string;
  /** How long the worker took, queue wait excluded. */
  scanMs: number;
  finishedAt: string;
}

export interface LocalServer {
  /** "http://127.0.0.1:PORT" of the API. */
  url: string;
  registry?: { host: string; url: string };
  dynamoEndpoint: string;
  s3Endpoint: string;
  tableName: string;
  bucket: string;
  /** Queues jobs as the notification endpoint does. */
  enqueue(jobs: readonly ScanJob[]): Promise<void>;
  /** Resolves when no scan is waiting or running. */
  idle(): Promise<void>;
  images(): Promise<ImageRecord[]>;
  stop(): Promise<void>;
}

/**
 * `portcullis serve`: the cloud pipeline's handlers in one process. Registry push notifications
 * (or POST /scans) become jobs on an in-process queue; workers run processScanJob against dynalite
 * and s3rver, persisted under the data dir.
 */
export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const logger = options.logger ?? silentLogger;
  const emulators = await startLocalEmulators({
    dataDir: options.dataDir,
    tableName: LOCAL_TABLE_NAME,
    bucket: LOCAL_BUCKET,
  });
  const cleanups: Array<() => Promise<void>> = [() => emulators.stop()];
  const cleanup = async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => {});
  };
  try {
    return await startWith(options, emulators, logger, cleanups, cleanup);
  } catch (err) {
    await cleanup();
    throw err;
  }
}

async function startWith(
  options: LocalServerOptions,
  emulators: LocalEmulators,
  logger: Logger,
  cleanups: Array<() => Promise<void>>,
  cleanup: () => Promise<void>,
): Promise<LocalServer> {
  const store = new DynamoFindingsStore(emulators.dynamo, LOCAL_TABLE_NAME);
  const blobs = new S3BlobStore(emulators.s3, { bucket: LOCAL_BUCKET });
  const layerCache = new S3LayerCache(blobs, logger);
  let vulnDb: VulnDb | undefined;
  if (options.vulnDbPath) {
    const db = await openDatabaseFile(options.vulnDbPath);
    vulnDb = db;
    cleanups.push(() => db.close());
  }

  const startedAt = new Map<ScanJob, number>();
  const notify = async (job: ScanJob, outcome: ScanOutcome) => {
    const note = notification(job, outcome, Date.now() - (startedAt.get(job) ?? Date.now()));
    startedAt.delete(job);
    if (outcome.status === "scanned") scheduleSnapshot();
    options.print?.(formatNotification(note));
    if (options.webhook) await postWebhook(options.webhook, note, logger);
  };
  const queue = new JobQueue({
    concurrency: options.concurrency ?? 2,
    logger,
    run: (job) => {
      startedAt.set(job, Date.now());
      return processScanJob(job, {
        store,
        blobs,
        layerCache,
        logger,
        ...(vulnDb ? { vulnDb } : {}),
        ...(options.policies ? { policies: options.policies } : {}),
        // Loopback registries are plain HTTP; RegistryClient decides that from the host.
        openSource: (j) => new RegistrySource(parseReference(imageName(j)), { logger }),
      });
    },
    onDone: notify,
  });
  cleanups.push(() => queue.close());

  // The dashboard's trend and top lists come from snapshots: today's at start, then replaced a few
  // seconds after scans finish (the cloud takes one every 3 hours).
  const snapshotDoc = DynamoDBDocumentClient.from(emulators.dynamo, {
    marshallOptions: { removeUndefinedValues: true },
  });
  let snapshotTimer: NodeJS.Timeout | undefined;
  let snapshotRun: Promise<unknown> = Promise.resolve();
  const snapshot = (replace: boolean) => {
    snapshotRun = snapshotRun
      .then(() =>
        takeDashboardSnapshot({ doc: snapshotDoc, tableName: LOCAL_TABLE_NAME, now: new Date(), replace }),
      )
      .catch((err: unknown) => logger.warn("dashboard snapshot failed", { error: String(err) }));
    return snapshotRun;
  };
  const scheduleSnapshot = () => {
    if (snapshotTimer) return;
    snapshotTimer = setTimeout(() => {
      snapshotTimer = undefined;
      void snapshot(true);
    }, SNAPSHOT_DELAY_MS);
    snapshotTimer.unref();
  };
  cleanups.push(async () => {
    clearTimeout(snapshotTimer);
    await snapshotRun;
  });
  // Today's first snapshot before serving: an existing one is kept (a restart changes nothing).
  await snapshot(false);
  const dashboard = dashboardRoutes({
    dynamo: emulators.dynamo,
    tableName: LOCAL_TABLE_NAME,
    s3: emulators.s3,
    bucket: LOCAL_BUCKET,
  });
  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      logger.error("request failed", { url: req.url, error: String(err) });
      if (!res.headersSent) send(res, 500, { error: "internal error" });
      else res.destroy();
    });
  });
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method === "GET" && path === "/healthz") return send(res, 200, { ok: true, queued: queue.size });
    if (req.method === "GET" && path === "/images") return send(res, 200, { images: await images() });
    if (req.method === "POST" && path === "/registry/events") {
      const body = await readJson(req);
      if (body === undefined) return send(res, 400, { error: "body is not JSON" });
      const result = jobsFromRegistryNotification(body);
      if (!result.ok) {
        logger.warn("malformed registry notification", { error: result.invalid });
        return send(res, 400, { error: result.invalid });
      }
      // The registry retries until it gets a 2xx: answer only once the jobs are safely queued.
      await queue.enqueue(result.jobs);
      return send(res, 200, { queued: result.jobs.length, ignored: result.ignored });
    }
    if (req.method === "POST" && path === "/scans") {
      const body = await readJson(req);
      const image = (body as { image?: unknown } | undefined)?.image;
      if (typeof image !== "string")
        return send(res, 400, { error: 'expected {"image": "host/repo@digest"}' });
      const made = await scanRequestJob(image, logger);
      if ("invalid" in made) return send(res, 400, { error: made.invalid });
      await queue.enqueue([made.job]);
      return send(res, 202, { queued: 1, digest: made.job.digest });
    }
    // The dashboard page, its API and downloads (GET /, /api/*, /downloads/*, static files).
    if (await dashboard(req, res, path)) return;
    send(res, 404, { error: "not found" });
  };
  const images = () => store.imagesByAccount("local");

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let registry: DistributionRegistry | undefined;
  if (options.startRegistry) {
    registry = await startDistributionRegistry({
      dir: join(options.dataDir, "registry"),
      notifyUrl: `${url}/registry/events`,
      ...(options.registryPort ? { port: options.registryPort } : {}),
    });
    const started = registry;
    // Stopped first (cleanups run in reverse), so no notification arrives at a closed server.
    cleanups.push(() => started.stop());
  }

  let stopped: Promise<void> | undefined;
  return {
    url,
    ...(registry ? { registry: { host: registry.host, url: registry.url } } : {}),
    dynamoEndpoint: emulators.dynamoEndpoint,
    s3Endpoint: emulators.s3Endpoint,
    tableName: LOCAL_TABLE_NAME,
    bucket: LOCAL_BUCKET,
    enqueue: (jobs) => queue.enqueue(jobs),
    idle: () => queue.idle(),
    images,
    stop() {
      stopped ??= cleanup();
      return stopped;
    },
  };
}

/** POST /scans: "host/repo@sha256:..." or "host/repo:tag" (resolved to its digest now). */
async function scanRequestJob(
  image: string,
  logger: Logger,
): Promise<{ job: ScanJob } | { invalid: string }> {
  let ref: ReturnType<typeof parseReference>;
  try {
    ref = parseReference(image);
  } catch (err) {
    return { invalid: (err as Error).message };
  }
  const made = await jobFromScanRequest(
    {
      registry: ref.registry,
      repository: ref.repository,
      ...(ref.digest ? { digest: ref.digest } : {}),
      ...(ref.tag ? { tag: ref.tag } : {}),
    },
    {
      resolveTag: async (registry, repository, tag) =>
        (
          await new RegistrySource(parseReference(`${registry}/${repository}:${tag}`), {
            logger,
          }).fetchManifest()
        ).digest,
    },
  ).catch((err: unknown) => ({ invalid: `cannot resolve ${image}: ${(err as Error).message}` }));
  if ("invalid" in made) return made;
  // Keyed like pushes from the registry, so a push and an on-demand scan are the same image.
  return { job: { ...made.job, provider: "registry", account: "local", region: "local" } };
}

function notification(job: ScanJob, outcome: ScanOutcome, scanMs: number): ScanNotification {
  const summary = outcome.status === "scanned" ? outcome.summary : undefined;
  return {
    image: imageName(job),
    imageKey: outcome.imageKey,
    status: outcome.status,
    ...(summary
      ? {
          packages: summary.packages,
          counts: summary.counts,
          ...(summary.maxSeverity ? { maxSeverity: summary.maxSeverity } : {}),
          ...(summary.reportKey ? { reportKey: summary.reportKey } : {}),
        }
      : {}),
    ...("reason" in outcome ? { reason: outcome.reason } : {}),
    pushedAt: job.eventTime,
    scanMs,
    finishedAt: new Date().toISOString(),
  };
}

export function formatNotification(n: ScanNotification): string {
  const name = n.image.replace(/@(sha256:[a-f0-9]{12})[a-f0-9]+$/, "@$1");
  if (n.status !== "scanned") return `${n.status}: ${name}${n.reason ? ` (${n.reason})` : ""}`;
  const counts = Object.entries(n.counts ?? {})
    .map(([severity, count]) => `${severity} ${count}`)
    .join(", ");
  const seconds = (n.scanMs / 1000).toFixed(1);
  return `scanned: ${name}: ${n.packages} packages, ${counts || "no vulnerabilities"} (${seconds} s)`;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
