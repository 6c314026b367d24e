import { describe, expect, it } from "vitest";
import { JobQueue } from "../../lib/local/job-queue.js";
import { silentLogger } from "../../lib/logger.js";
import type { ScanOutcome } from "../../lib/pipeline/scan-worker.js";
import { imageKey, type ScanJob } from "../../lib/stores/scan-job.js";

const job = (n: number): ScanJob => ({
  v: 1,
  provider: "registry",
  account: "local",
  region: "local",
  repository: `app${n}`,
  digest: `sha256:${String(n).padStart(64, "0")}`,
  registry: "127.0.0.1:5000",
  reason: "push",
  eventTime: "2026-01-01T00:00:00.000Z",
});

const scanned = (j: ScanJob): ScanOutcome => ({
  status: "scanned",
  imageKey: imageKey(j),
  summary: { imageKey: imageKey(j), scannedAt: "", analyzersKey: "", counts: {}, packages: 0 },
});

describe("JobQueue", () => {
  it("runs at most `concurrency` jobs at once and finishes them all", async () => {
    let running = 0;
    let peak = 0;
    const done: string[] = [];
    const queue = new JobQueue({
      concurrency: 2,
      logger: silentLogger,
      run: async (j) => {
        peak = Math.max(peak, ++running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        return scanned(j);
      },
      onDone: (j) => {
        done.push(j.repository);
      },
    });
    await queue.enqueue(Array.from({ length: 10 }, (_, i) => job(i)));
    await queue.idle();
    expect(peak).toBe(2);
    expect(done.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `app${i}`).sort());
  });

  it("does not queue an image that is already waiting or running", async () => {
    let runs = 0;
    const queue = new JobQueue({
      concurrency: 1,
      logger: silentLogger,
      run: async (j) => {
        runs++;
        await new Promise((r) => setTimeout(r, 5));
        return scanned(j);
      },
    });
    await queue.enqueue([job(1), job(1)]);
    await queue.enqueue([job(1)]);
    await queue.idle();
    expect(runs).toBe(1);
  });

  it("retries failed and thrown jobs up to maxAttempts, then reports the last outcome", async () => {
    let attempts = 0;
    const outcomes: ScanOutcome[] = [];
    const queue = new JobQueue({
      concurrency: 1,
      logger: silentLogger,
      maxAttempts: 3,
      retryDelayMs: 1,
      run: async () => {
        attempts++;
        throw new Error("registry down");
      },
      onDone: (_j, o) => {
        outcomes.push(o);
      },
    });
    await queue.enqueue([job(1)]);
    await queue.idle();
    expect(attempts).toBe(3);
    expect(outcomes.map((o) => o.status)).toEqual(["failed"]);
  });
});
