import { describe, expect, it } from "vitest";
import { silentLogger } from "../../lib/logger.js";
import { processScanJob } from "../../lib/pipeline/scan-worker.js";
import type { ScanJob } from "../../lib/stores/scan-job.js";
import { MemoryBlobStore, MemoryFindingsStore } from "../functions/memory-stores.js";

const JOB: ScanJob = {
  v: 1,
  provider: "ecr",
  account: "123456789012",
  region: "eu-west-1",
  repository: "app",
  digest: `sha256:${"a".repeat(64)}`,
  registry: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
  reason: "push",
  eventTime: "2026-11-28T00:00:00.000Z",
};

/** A store that counts failed scans, as the DynamoDB store does for the dashboard's coverage. */
class CountingStore extends MemoryFindingsStore {
  failures: Array<{ job: ScanJob; reason: string }> = [];
  failRecording = false;
  async recordScanFailed(job: ScanJob, reason: string): Promise<void> {
    if (this.failRecording) throw new Error("DynamoDB throttled");
    this.failures.push({ job, reason });
  }
}

describe("scan worker failures", () => {
  const deps = (store: CountingStore) => ({
    store,
    blobs: new MemoryBlobStore(),
    logger: silentLogger,
    openSource: (): never => {
      throw new Error("registry answered 500");
    },
  });

  it("records a failed scan for the coverage count and still asks for a retry", async () => {
    const store = new CountingStore();
    const outcome = await processScanJob(JOB, deps(store));
    expect(outcome).toMatchObject({ status: "failed", retry: true });
    expect(store.failures).toEqual([{ job: JOB, reason: "Error: registry answered 500" }]);
  });

  it("keeps the retry when the failure cannot be recorded", async () => {
    const store = new CountingStore();
    store.failRecording = true;
    const outcome = await processScanJob(JOB, deps(store));
    expect(outcome).toMatchObject({ status: "failed", retry: true, reason: "Error: registry answered 500" });
  });
});
