import type { LayerRef } from "../inventory/package.js";

export type SeverityLevel = "CRITICAL" | "HIGH" | "MEDIUM" | "LOW" | "NEGLIGIBLE" | "UNKNOWN";

/** Most severe first: every list, count and gate uses this order. */
export const SEVERITY_LEVELS: readonly SeverityLevel[] = [
  "CRITICAL",
  "HIGH",
  "MEDIUM",
  "LOW",
  "NEGLIGIBLE",
  "UNKNOWN",
];

/**
 * fixed: a fixed version exists; affected: no fix yet; will-not-fix / unimportant: the vendor
 * decided so; end-of-life: the release gets no more fixes at all.
 */
export type FindingStatus = "fixed" | "affected" | "will-not-fix" | "unimportant" | "end-of-life";

/** One flaw in one installed package, with every id it is known by. */
export interface VulnerabilityFinding {
  /** The id people search for: the CVE when there is one, else the advisory id. */
  id: string;
  /** Every id of the same flaw (CVE, GHSA, GO, PYSEC, DSA/DLA, USN, ALPINE ...), sorted, including `id`. */
  aliases: string[];
  /** The advisory records the finding was built from. */
  advisories: string[];
  package: {
    ecosystem: string;
    name: string;
    version: string;
    purl?: string;
    foundIn: string;
    layer: LayerRef;
  };
  fixedVersions: string[];
  status: FindingStatus;
  severity: { level: SeverityLevel; source?: string; score?: number; vector?: string };
  summary?: string;
  kev?: boolean;
  epss?: { probability: number; percentile: number };
  references: string[];
  /** Go advisories list the vulnerable symbols; reachability tools use them. */
  symbols?: string[];
}
