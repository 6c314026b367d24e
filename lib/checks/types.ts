import type { LayerRef } from "../inventory/package.js";
import type { SeverityLevel } from "../matching/finding.js";

/** Severities a check can give; checks never say NEGLIGIBLE or UNKNOWN. */
export type CheckSeverity = Extract<SeverityLevel, "CRITICAL" | "HIGH" | "MEDIUM" | "LOW">;

/**
 * A credential found in a file of some layer. The clear value never leaves the analyzer that found
 * it: only `match` (at most 4 leading characters, the rest masked) and `fingerprint` do.
 */
export interface SecretFinding {
  /** Stable rule id, e.g. "aws-access-key-id". */
  ruleId: string;
  /** What kind of credential: "AWS", "GitHub", "Private key", "Generic" ... */
  category: string;
  title: string;
  severity: CheckSeverity;
  /** Path inside the image, no leading slash. */
  path: string;
  /** The layer whose copy of the file holds the secret. */
  layer: LayerRef;
  /** 1-based line of the match's start. */
  line: number;
  /** The secret masked: at most its first 4 characters, then "*". */
  match: string;
  /** "sha256:<hex>" of the clear value: the same key leaked twice has the same fingerprint. */
  fingerprint: string;
  /**
   * False when a later layer deleted or replaced the file: the secret is no longer in the image's
   * filesystem but anyone who pulls the image can still read it from the layer.
   */
  present: boolean;
  /** The layer that deleted or replaced the file, when `present` is false. */
  removedIn?: LayerRef;
}

/** What a secret rule reports for one match in one file, before layer provenance is added. */
export type SecretMatch = Pick<
  SecretFinding,
  "ruleId" | "category" | "title" | "severity" | "line" | "match" | "fingerprint"
>;

/** One risky property of the image's configuration or filesystem. */
export interface MisconfigurationFinding {
  /** Stable check id, e.g. "PCIMG-001". */
  id: string;
  title: string;
  severity: CheckSeverity;
  /** What is wrong, in one sentence naming the evidence. */
  message: string;
  /** How to fix it. */
  remediation: string;
  /** Evidence: paths, ports, history lines (secrets masked). At most a few dozen entries. */
  evidence?: string[];
  /** The layer concerned, when one is. */
  layer?: LayerRef;
  /** CIS Docker Benchmark controls this check maps to, e.g. ["4.1"]. */
  cis?: string[];
}

export type ControlStatus = "pass" | "fail";

export interface ComplianceControl {
  /** Control id, e.g. "4.1". */
  id: string;
  title: string;
  status: ControlStatus;
  /** Ids of the checks (misconfiguration or secret rules) that failed this control. */
  failedBy: string[];
}

/** Pass/fail per control of one benchmark section. */
export interface ComplianceResult {
  benchmark: string;
  version: string;
  controls: ComplianceControl[];
}

/** Facts one layer's tar headers tell about files, gathered during the one walk (no contents). */
export interface LayerFileFacts {
  /** Regular files with the setuid or setgid bit. */
  setuidFiles: Array<{ path: string; mode: number }>;
  /** Directories writable by everyone without the sticky bit. */
  worldWritableDirs: Array<{ path: string; mode: number }>;
  /**
   * Files in package-manager download caches. Listed one by one up to a cap; beyond it one entry
   * per cache directory (`path` = the directory) counts the rest in `files`.
   */
  packageCacheFiles: PackageCacheFile[];
}

export interface PackageCacheFile {
  path: string;
  /** The cache directory, e.g. "var/cache/apt/archives". */
  dir: string;
  manager: string;
  size: number;
  /** 1 for a single file; more for an entry summarising files past the cap. */
  files: number;
}
