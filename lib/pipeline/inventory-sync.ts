import type { Logger } from "../logger.js";
import { imageKey, type ScanJob, type ScanQueue } from "../stores/scan-job.js";
import { ScanJobSchema } from "./ecr-events.js";

/** One image a registry listing found: the job that would scan it, and when it was pushed. */
export interface InventoryCandidate {
  /** A complete job with reason "inventory". */
  job: ScanJob;
  /** Unknown when the registry does not say; such images are never "too recent". */
  pushedAt?: Date;
}

/** One listing (an ECR account and region, a GCP project and location), named for the report. */
export interface InventorySource {
  name: string;
  candidates: AsyncIterable<InventoryCandidate>;
}

export interface InventorySyncOptions {
  sources: readonly InventorySource[];
  /** The keys among `keys` that have a stored scan of an image still marked active. */
  scanned: (keys: string[]) => Promise<Set<string>>;
  queue: ScanQueue;
  /** Images pushed more recently are left to their push event, which may still be in flight. */
  graceMs?: number;
  now?: () => Date;
  logger: Logger;
  /** At most this many jobs per run, so a first sync of a large registry does not flood the workers. */
  maxJobs?: number;
  /** Counts a never-scanned image the registry listed for the dashboard's coverage (idempotent). */
  recordPushed?: (job: ScanJob) => Promise<void>;
}

export interface InventorySyncCounts {
  listed: number;
  alreadyScanned: number;
  tooRecent: number;
  enqueued: number;
  /** Never scanned, but over maxJobs: left for the next run. */
  deferred: number;
  /** Entries whose job failed ScanJobSchema; skipped with a warning. */
  invalid: number;
  failedSources: Array<{ source: string; error: string }>;
}

export const DEFAULT_GRACE_MS = 15 * 60_000;
/** BatchGetItem reads at most 100 keys per call. */
const CHECK_BATCH = 100;

/**
 * Push events can be lost (a Pub/Sub subscription down, an EventBridge rule disabled). Listing
 * every image and enqueuing the ones never scanned closes that gap. An image our table marks
 * deleted but the registry still lists was pushed again, so it counts as never scanned.
 */
export async function syncInventory(options: InventorySyncOptions): Promise<InventorySyncCounts> {
  const { sources, scanned, queue, logger } = options;
  const now = (options.now ?? (() => new Date()))().getTime();
  const cutoff = now - (options.graceMs ?? DEFAULT_GRACE_MS);
  const maxJobs = options.maxJobs ?? Number.POSITIVE_INFINITY;
  const counts: InventorySyncCounts = {
    listed: 0,
    alreadyScanned: 0,
    tooRecent: 0,
    enqueued: 0,
    deferred: 0,
    invalid: 0,
    failedSources: [],
  };
  // A digest listed twice (a retried page, overlapping configuration) is checked and enqueued once.
  const seen = new Set<string>();
  let pending = new Map<string, ScanJob>();

  const flush = async () => {
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    const done = await scanned([...batch.keys()]);
    const jobs: ScanJob[] = [];
    for (const [key, job] of batch) {
      if (done.has(key)) {
        counts.alreadyScanned++;
        continue;
      }
      await options.recordPushed?.(job);
      if (counts.enqueued + jobs.length >= maxJobs) counts.deferred++;
      else jobs.push(job);
    }
    if (jobs.length > 0) await queue.enqueue(jobs);
    counts.enqueued += jobs.length;
  };

  for (const source of sources) {
    const iterator = source.candidates[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<InventoryCandidate>;
      try {
        next = await iterator.next();
      } catch (err) {
        // Only the listing's own failures are the source's: store and queue errors end the run.
        const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        counts.failedSources.push({ source: source.name, error: error.slice(0, 1000) });
        logger.error("inventory source failed", { source: source.name, error });
        break;
      }
      if (next.done) break;
      const candidate = next.value;
      counts.listed++;
      const parsed = ScanJobSchema.safeParse(candidate.job);
      if (!parsed.success) {
        counts.invalid++;
        logger.warn("inventory entry skipped: not a valid scan job", {
          source: source.name,
          repository: String(candidate.job?.repository).slice(0, 300),
          error: parsed.error.issues[0]?.message,
        });
        continue;
      }
      const job = parsed.data as ScanJob;
      const key = imageKey(job);
      if (seen.has(key)) continue;
      seen.add(key);
      if (candidate.pushedAt && candidate.pushedAt.getTime() > cutoff) {
        counts.tooRecent++;
        continue;
      }
      pending.set(key, job);
      // Whatever a source listed before it failed is still checked and enqueued.
      if (pending.size >= CHECK_BATCH) await flush();
    }
    await flush();
  }
  return counts;
}
