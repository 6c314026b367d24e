import { createHash } from "node:crypto";
import { Transform } from "node:stream";
import { ANALYZERS, analyzersCacheKey } from "../analyzers/index.js";
import { secretsAnalyzer } from "../checks/secrets/secrets-analyzer.js";
import { NotFoundError, PortcullisError } from "../errors.js";
import type { ImageSource } from "../image/types.js";
import { writeCycloneDx } from "../inventory/sbom/cyclonedx-writer.js";
import type { LayerCache } from "../layers/layer-cache.js";
import type { Logger } from "../logger.js";
import { SEVERITY_LEVELS, type VulnerabilityFinding } from "../matching/finding.js";
import type { PublishOutcome, ScanPublisher } from "../notify/scan-publisher.js";
import { applyPolicy } from "../policy/apply-policy.js";
import { policyForRepository, type RepositoryPolicies } from "../policy/repository-policy.js";
import { writeJson } from "../report/json-writer.js";
import type { ScanReport } from "../report/scan-report.js";
import { scanImage } from "../scan.js";
import {
  type BlobStore,
  type FindingsStore,
  type ScanSummary,
  suppressedVulnerabilities,
} from "../stores/findings-store.js";
import { imageKey, imageName, type ScanJob } from "../stores/scan-job.js";
import type { VulnDb } from "../vulndb/db/db-reader.js";

/** A store that can also count failed scans for the dashboard's coverage (optional). */
export type ScanWorkerStore = FindingsStore & {
  recordScanFailed?(job: ScanJob, reason: string): Promise<void>;
};

export interface ScanWorkerDeps {
  store: ScanWorkerStore;
  blobs: BlobStore;
  openSource(job: ScanJob): ImageSource | Promise<ImageSource>;
  vulnDb?: VulnDb;
  layerCache?: LayerCache;
  logger: Logger;
  /** Milliseconds left before the invocation is killed (Lambda's getRemainingTimeInMillis). */
  deadline?: () => number;
  /** Stop when fewer ms than this are left: enough to write results and answer SQS. */
  deadlineMarginMs?: number;
  /**
   * How long a claim blocks other workers. Keep it at most the queue's visibility timeout, so a
   * message redelivered after a crash or failure can claim again.
   */
  claimTtlSeconds?: number;
  now?: () => Date;
  /** Announces each stored scan (bus event, SNS); a failure is reported, never fatal to the scan. */
  publisher?: ScanPublisher;
  /** Per-repository policies from the server configuration: suppressions and the pass/fail verdict. */
  policies?: RepositoryPolicies;
}

/** Every scan in the pipeline also looks for secrets and checks the image configuration. */
const PIPELINE_ANALYZERS = [...ANALYZERS, secretsAnalyzer];

export type ScanOutcome =
  | { status: "scanned"; imageKey: string; summary: ScanSummary; notification?: PublishOutcome }
  /** Already scanned with this DB and analyzer set: nothing to do. */
  | { status: "duplicate"; imageKey: string }
  /** The image is gone from the registry (deleted before we got to it): nothing to scan. */
  | { status: "gone"; imageKey: string; reason: string }
  /** Try again later (deadline, or another worker holds the claim); SQS redelivers. */
  | { status: "retry"; imageKey: string; retry: true; reason: string }
  | { status: "failed"; imageKey: string; retry: true; reason: string; error: unknown };

export class DeadlineError extends PortcullisError {
  override name = "DeadlineError";
}

/** What makes two scans of one digest the same: the DB build and the analyzer versions. */
export function scanIdentity(digest: string, dbBuiltAt: string | undefined, analyzersKey: string): string {
  const analyzers = createHash("sha256").update(analyzersKey).digest("hex").slice(0, 16);
  return `${digest}#${dbBuiltAt ?? "no-db"}#${analyzers}`;
}

/** An S3-friendly path for an image: one folder per repository, no "#", "@" or ":". */
export function imageKeyPath(job: ScanJob): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, "_");
  return [job.provider, job.account, job.region, ...job.repository.split("/"), job.digest]
    .map(safe)
    .join("/");
}

/**
 * One job: claim → scan → report + SBOM to blobs → records to the store. Expected failures come
 * back as outcomes; the SQS adapter turns "retry" and "failed" into batch item failures.
 */
export async function processScanJob(job: ScanJob, deps: ScanWorkerDeps): Promise<ScanOutcome> {
  const key = imageKey(job);
  const { store, logger } = deps;
  const margin = deps.deadlineMarginMs ?? 20_000;
  const timeLeft = () => deps.deadline?.() ?? Number.POSITIVE_INFINITY;
  const analyzersKey = analyzersCacheKey(PIPELINE_ANALYZERS);
  const dbBuiltAt = deps.vulnDb?.metadata.builtAt;
  const identity = scanIdentity(job.digest, dbBuiltAt, analyzersKey);

  const latest = await store.latestScan(key);
  if (latest && latest.dbBuiltAt === dbBuiltAt && latest.analyzersKey === analyzersKey) {
    logger.info("already scanned", { imageKey: key });
    return { status: "duplicate", imageKey: key };
  }
  if (timeLeft() < margin) return retry(key, "too little time left to start a scan");
  if (!(await store.claimScan(key, identity, deps.claimTtlSeconds ?? 900))) {
    // Someone holds the claim: either finishing now (the redelivery then finds the scan) or dead
    // (the claim expires). Either way a later attempt settles it; dropping the message would not.
    logger.info("scan claimed by another worker", { imageKey: key });
    return retry(key, "another worker holds the claim for this scan");
  }

  let source: ImageSource | undefined;
  let report: ScanReport;
  try {
    source = guardDeadline(await deps.openSource(job), timeLeft, margin);
    report = await raceDeadline(
      scanImage(source, {
        name: imageName(job),
        logger,
        ...(deps.vulnDb ? { vulnDb: deps.vulnDb } : {}),
        ...(deps.layerCache ? { layerCache: deps.layerCache } : {}),
        ...(deps.now ? { now: deps.now } : {}),
        secrets: true,
        imageConfig: true,
      }),
      timeLeft,
      margin,
    );
  } catch (err) {
    if (err instanceof DeadlineError) {
      logger.warn("deadline reached, scan abandoned for a retry", { imageKey: key });
      return retry(key, err.message);
    }
    if (err instanceof NotFoundError) {
      // Deleted before we pulled it (the DELETE may even have arrived first): recording a scan
      // now would resurrect an image that no longer exists.
      logger.info("image no longer in the registry", { imageKey: key, error: err.message });
      return { status: "gone", imageKey: key, reason: err.message };
    }
    const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    logger.error("scan failed", { imageKey: key, error: reason });
    // Only for the dashboard's coverage: losing the count must not lose the retry.
    await store
      .recordScanFailed?.(job, reason)
      .catch((recordErr: unknown) =>
        logger.warn("could not record the failed scan", { imageKey: key, error: String(recordErr) }),
      );
    return { status: "failed", imageKey: key, retry: true, reason, error: err };
  } finally {
    await source?.close?.().catch(() => {});
  }

  if (deps.policies) {
    const policy = policyForRepository(deps.policies, imageName(job).replace(/@.*$/, ""));
    report = applyPolicy(report, policy, deps.now?.() ?? new Date());
  }
  const scannedAt = report.createdAt;
  const base = imageKeyPath(job);
  const stamp = scannedAt.replace(/:/g, "");
  const reportKey = `reports/${base}/${stamp}.json`;
  const sbomKey = `sboms/${base}/${stamp}.cdx.json`;
  await deps.blobs.put(reportKey, writeJson(report), "application/json");
  await deps.blobs.put(sbomKey, writeCycloneDx(report), "application/vnd.cyclonedx+json");

  const findings = report.vulnerabilities ?? [];
  const counts: Record<string, number> = {};
  for (const f of findings) counts[f.severity.level] = (counts[f.severity.level] ?? 0) + 1;
  const maxSeverity = SEVERITY_LEVELS.find((s) => counts[s]);
  const summary: ScanSummary = {
    imageKey: key,
    scannedAt,
    ...(report.vulnerabilityDb ? { dbBuiltAt: report.vulnerabilityDb.builtAt } : {}),
    analyzersKey,
    counts,
    ...(maxSeverity ? { maxSeverity } : {}),
    packages: report.packages.length,
    ...(report.secrets ? { secrets: report.secrets.length } : {}),
    ...(report.misconfigurations ? { misconfigurations: report.misconfigurations.length } : {}),
    ...(report.policy ? { policy: report.policy.result } : {}),
    reportKey,
    sbomKey,
  };
  const inventory = { packages: report.packages, ...(report.os ? { os: report.os } : {}) };
  // Suppressed findings are stored too, so lifting a suppression reopens them with their history.
  await store.putScan(job, summary, findings, inventory, {
    suppressed: suppressedVulnerabilities(report.policy),
  });
  logger.info("scan stored", { imageKey: key, packages: summary.packages, findings: findings.length });
  if (!deps.publisher) return { status: "scanned", imageKey: key, summary };
  const notification = await publish(deps.publisher, job, summary, findings, logger);
  return { status: "scanned", imageKey: key, summary, notification };
}

/**
 * After putScan, so only stored scans are announced. A failure does not turn into a retry: the
 * redelivery would find a duplicate and send nothing. The outcome carries it to the caller, which
 * logs and counts it.
 */
async function publish(
  publisher: ScanPublisher,
  job: ScanJob,
  summary: ScanSummary,
  findings: VulnerabilityFinding[],
  logger: Logger,
): Promise<PublishOutcome> {
  try {
    return await publisher.published(job, summary, findings);
  } catch (err) {
    // The contract says publishers do not throw; one that does still must not lose the scan.
    const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    logger.error("scan notification failed", { imageKey: summary.imageKey, error: reason });
    return { status: "failed", channels: [], failures: [{ channel: "publisher", reason }] };
  }
}

function retry(imageKey: string, reason: string): ScanOutcome {
  return { status: "retry", imageKey, retry: true, reason };
}

/** Fails manifest fetches and blob streams once the deadline is near, so the scan stops itself. */
function guardDeadline(source: ImageSource, timeLeft: () => number, margin: number): ImageSource {
  const check = () => {
    if (timeLeft() < margin) throw new DeadlineError(`fewer than ${margin} ms left in this invocation`);
  };
  return {
    name: source.name,
    kind: source.kind,
    async fetchManifest(digest) {
      check();
      return source.fetchManifest(digest);
    },
    async openBlob(descriptor) {
      check();
      const blob = await source.openBlob(descriptor);
      const guard = new Transform({
        transform(chunk, _encoding, callback) {
          try {
            check();
            callback(null, chunk);
          } catch (err) {
            callback(err as Error);
          }
        },
      });
      blob.on("error", (err) => guard.destroy(err));
      guard.on("close", () => blob.destroy());
      return blob.pipe(guard);
    },
    ...(source.close ? { close: () => source.close?.() ?? Promise.resolve() } : {}),
  };
}

/** Rejects with DeadlineError when time runs short even if no byte is flowing (a stalled pull). */
async function raceDeadline<T>(work: Promise<T>, timeLeft: () => number, margin: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      if (timeLeft() < margin) reject(new DeadlineError(`fewer than ${margin} ms left in this invocation`));
    }, 200);
    timer.unref();
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearInterval(timer);
    // The abandoned scan fails on its next chunk; keep its rejection from going unhandled.
    work.catch(() => {});
  }
}
