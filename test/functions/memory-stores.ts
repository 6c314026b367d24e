import type { VulnerabilityFinding } from "../../lib/matching/finding.js";
import type { BlobStore, FindingsStore, ScanSummary } from "../../lib/stores/findings-store.js";
import { imageKey as keyOf, type ScanJob } from "../../lib/stores/scan-job.js";

/**
 * FindingsStore in memory with the DynamoDB semantics the worker relies on: claimScan is a
 * conditional put (succeeds only when no unexpired claim exists for imageKey + identity).
 */
export class MemoryFindingsStore implements FindingsStore {
  readonly claims = new Map<string, number>();
  readonly images = new Map<string, { job?: ScanJob; deletedAt?: string }>();
  readonly scans: ScanSummary[] = [];
  readonly findingsByImage = new Map<string, VulnerabilityFinding[]>();
  claimCalls = 0;

  constructor(readonly clock: { now: number } = { now: Date.now() }) {}

  async claimScan(imageKey: string, scanIdentity: string, ttlSeconds: number): Promise<boolean> {
    this.claimCalls++;
    const key = `${imageKey}\n${scanIdentity}`;
    const expires = this.claims.get(key);
    if (expires !== undefined && expires > this.clock.now) return false;
    this.claims.set(key, this.clock.now + ttlSeconds * 1000);
    return true;
  }

  async putScan(
    job: ScanJob,
    summary: ScanSummary,
    findings: readonly VulnerabilityFinding[],
  ): Promise<void> {
    this.images.set(summary.imageKey, { job });
    this.scans.push(summary);
    this.findingsByImage.set(summary.imageKey, [...findings]);
  }

  /** Images the intake reported as pushed (dashboard coverage). */
  readonly pushed = new Set<string>();

  async recordPushed(job: ScanJob): Promise<void> {
    this.pushed.add(keyOf(job));
  }

  async markDeleted(imageKey: string, at: string): Promise<void> {
    const image = this.images.get(imageKey) ?? {};
    this.images.set(imageKey, { ...image, deletedAt: at });
    // Closing the image's findings: none stay open for a deleted image.
    this.findingsByImage.set(imageKey, []);
  }

  async latestScan(imageKey: string): Promise<ScanSummary | undefined> {
    return this.scans.filter((s) => s.imageKey === imageKey).at(-1);
  }

  async findings(imageKey: string): Promise<VulnerabilityFinding[]> {
    return this.findingsByImage.get(imageKey) ?? [];
  }
}

export class MemoryBlobStore implements BlobStore {
  readonly objects = new Map<string, { body: Buffer; contentType: string }>();

  async put(key: string, body: Buffer | string, contentType: string): Promise<void> {
    this.objects.set(key, { body: Buffer.from(body), contentType });
  }

  async get(key: string): Promise<Buffer | undefined> {
    return this.objects.get(key)?.body;
  }
}
