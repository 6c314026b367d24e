import type { ComplianceResult, MisconfigurationFinding, SecretFinding } from "../checks/types.js";
import type { Platform } from "../image/types.js";
import type { OperatingSystem, Package } from "../inventory/package.js";
import type { Compression } from "../layers/compression.js";
import type { VulnerabilityFinding } from "../matching/finding.js";
import type { PolicyResult } from "../policy/types.js";
import type { ScanWarning } from "../warnings.js";

/** Bump on any incompatible change; every writer and store reads this one shape. */
export const SCAN_REPORT_SCHEMA_VERSION = 1;

export interface ReportLayer {
  index: number;
  digest: string;
  diffID: string;
  mediaType: string;
  /** Compressed size from the manifest. */
  size: number;
  /** True when the analysis came from the layer cache and the blob was not downloaded. */
  cached: boolean;
  compression?: Compression;
  uncompressedBytes?: number;
  entries?: number;
}

export interface ScanReport {
  schemaVersion: typeof SCAN_REPORT_SCHEMA_VERSION;
  tool: { name: "portcullis"; version: string };
  createdAt: string;
  durationMs: number;
  artifact: {
    /** The image as the user named it. */
    name: string;
    /** Where the image came from; "sbom" when an SBOM was read instead of the image. */
    source: "registry" | "oci-layout" | "docker-archive" | "sbom";
    /** Digest of the single-platform manifest that was scanned. */
    digest: string;
    /** Digest of the index the name pointed to, for multi-platform images. */
    indexDigest?: string;
    mediaType: string;
    platform: Platform;
    configDigest: string;
    created?: string;
    layers: ReportLayer[];
  };
  os?: OperatingSystem;
  packages: Package[];
  /** Present when the scan was matched against a vulnerability DB. */
  vulnerabilities?: VulnerabilityFinding[];
  /** The DB the findings came from. */
  vulnerabilityDb?: { builtAt: string; stale: boolean };
  /** Present when secret scanning ran: credentials found in any layer, masked. */
  secrets?: SecretFinding[];
  /** Present when the image-configuration checks ran. */
  misconfigurations?: MisconfigurationFinding[];
  /** CIS Docker Benchmark section 4, pass/fail per control, when the checks ran. */
  compliance?: ComplianceResult;
  /** Present when a policy was applied: the verdict and every suppressed finding with its reason. */
  policy?: PolicyResult;
  warnings: ScanWarning[];
}
