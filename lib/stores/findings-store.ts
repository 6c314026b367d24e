import type { VulnerabilityFinding } from "../matching/finding.js";
import type { PolicyResult, Suppression } from "../policy/types.js";
import type { ScanInventory } from "../rescan/package-index-keys.js";
import type { ScanJob } from "./scan-job.js";

export interface ScanSummary {
  imageKey: string;
  scannedAt: string;
  /** Vulnerability DB build the scan matched against. */
  dbBuiltAt?: string;
  /** Analyzer set the inventory came from (analyzersCacheKey). */
  analyzersKey: string;
  counts: Record<string, number>;
  maxSeverity?: string;
  packages: number;
  /** Secrets found in the layers (masked in the report; never stored in clear). */
  secrets?: number;
  misconfigurations?: number;
  /** The repository policy's verdict, when one applies. */
  policy?: "pass" | "fail";
  /** Object keys of the full report and the CycloneDX SBOM in the report bucket. */
  reportKey?: string;
  sbomKey?: string;
}

/** A vulnerability the policy took out of the report, with the rule that did. */
export interface SuppressedVulnerability {
  finding: VulnerabilityFinding;
  suppression: Suppression;
}

/** What putScan records besides the open findings; every field optional, so old callers still fit. */
export interface PutScanExtras {
  /** Stored with status "suppressed": visible by vulnerability, never counted as open. */
  suppressed?: readonly SuppressedVulnerability[];
}

/** The vulnerability entries of a policy's suppressions (secrets and misconfigurations are not stored). */
export function suppressedVulnerabilities(policy: PolicyResult | undefined): SuppressedVulnerability[] {
  const out: SuppressedVulnerability[] = [];
  for (const entry of policy?.suppressed ?? []) {
    if (entry.kind === "vulnerability") out.push({ finding: entry.finding, suppression: entry.suppression });
  }
  return out;
}

/**
 * Image, Scan and Finding records. DynamoDB (one table) is the real implementation; everything the
 * dashboard and notifier need is answered from its indexes, never by a table scan.
 */
export interface FindingsStore {
  /**
   * Claims the right to scan this digest with this DB and analyzer set. Returns false when another
   * worker already did (duplicate or replayed events): the caller skips the scan.
   */
  claimScan(imageKey: string, scanIdentity: string, ttlSeconds: number): Promise<boolean>;
  /**
   * Records a finished scan: the Image item, a Scan item, and the image's Finding items. With the
   * scan's inventory, also indexes the image by package so a DB update finds it (rescans, whose
   * inventory is the stored one, pass none). Findings the policy suppressed come in `extras`.
   */
  putScan(
    job: ScanJob,
    summary: ScanSummary,
    findings: readonly VulnerabilityFinding[],
    inventory?: ScanInventory,
    extras?: PutScanExtras,
  ): Promise<void>;
  /** Marks an image deleted, closes its open findings and drops it from the package index. */
  markDeleted(imageKey: string, at: string): Promise<void>;
  latestScan(imageKey: string): Promise<ScanSummary | undefined>;
  findings(imageKey: string): Promise<VulnerabilityFinding[]>;
}

/** Reports, SBOMs and layer results: S3 in AWS, a local emulator or directory otherwise. */
export interface BlobStore {
  put(key: string, body: Buffer | string, contentType: string): Promise<void>;
  get(key: string): Promise<Buffer | undefined>;
}
