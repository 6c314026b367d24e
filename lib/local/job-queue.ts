import type { Logger } from "../logger.js";
import type { ScanOutcome } from "../pipeline/scan-worker.js";
import { imageKey, type ScanJob, type ScanQueue } from "../stores/scan-job.js";

export interface JobQueueOptions {
  concurrency: number;
  run(job: ScanJob): Promise<ScanOutcome>;
  onDone?(job: ScanJob, outcome: ScanOutcome): void | Promise<void>;
  logger: Logger;
  /** Attempts for "retry" and "failed" outcomes, like SQS's maxReceiveCount. */
  maxAttempts?: number;
  retryDelayMs?: number;
}

/**
 * The in-process stand-in for SQS: N workers, and a job already waiting or running for the same
 * image is not queued again (the registry can report one push more than once).
 */
export class JobQueue implements ScanQueue {
  private readonly waiting: Array<{ job: ScanJob; attempt: number }> = [];
  private readonly active = new Set<string>();
  private running = 0;
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: JobQueueOptions) {}

  async enqueue(jobs: readonly ScanJob[]): Promise<void> {
    for (const job of jobs) {
      const key = imageKey(job);
      if (this.closed || this.active.has(key)) continue;
      this.active.add(key);
      this.waiting.push({ job, attempt: 1 });
    }
    this.pump();
  }

  /** Jobs waiting or running. */
  get size(): number {
    return this.active.size;
  }

  /** Resolves when nothing is waiting or running. */
  idle(): Promise<void> {
    if (this.active.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking jobs and drops waiting ones; resolves when the running ones finish. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const { job } of this.waiting.splice(0)) this.active.delete(imageKey(job));
    this.settle();
    await this.idle();
  }

  private pump(): void {
    while (!this.closed && this.running < this.options.concurrency && this.waiting.length > 0) {
      const next = this.waiting.shift();
      if (next) void this.work(next.job, next.attempt);
    }
  }

  private async work(job: ScanJob, attempt: number): Promise<void> {
    this.running++;
    const key = imageKey(job);
    let outcome: ScanOutcome;
    try {
      outcome = await this.options.run(job);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      outcome = { status: "failed", imageKey: key, retry: true, reason, error: err };
    }
    this.running--;
    const again = (outcome.status === "retry" || outcome.status === "failed") && !this.closed;
    if (again && attempt < (this.options.maxAttempts ?? 3)) {
      const reason = "reason" in outcome ? outcome.reason : undefined;
      this.options.logger.warn("scan will be retried", { imageKey: key, attempt, reason });
      const timer = setTimeout(
        () => {
          this.timers.delete(timer);
          this.waiting.push({ job, attempt: attempt + 1 });
          this.pump();
        },
        (this.options.retryDelayMs ?? 1000) * attempt,
      );
      this.timers.add(timer);
    } else {
      try {
        await this.options.onDone?.(job, outcome);
      } catch (err) {
        this.options.logger.error("after-scan hook failed", { imageKey: key, error: String(err) });
      }
      this.active.delete(key);
    }
    this.pump();
    this.settle();
  }

  private settle(): void {
    if (this.active.size > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
