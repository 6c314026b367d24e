/**
 * The advisory model: the OSV schema 1.6 (https://ossf.github.io/osv-schema/). Every source —
 * OSV exports, Alpine secdb, the Debian tracker — is imported into this one shape, and matching
 * reads only this shape.
 */
export interface Advisory {
  schema_version?: string;
  id: string;
  modified: string;
  published?: string;
  /** When set, the advisory was retracted and must not match anything. */
  withdrawn?: string;
  aliases?: string[];
  related?: string[];
  upstream?: string[];
  summary?: string;
  details?: string;
  severity?: Severity[];
  affected?: Affected[];
  references?: Reference[];
  credits?: Array<{ name: string; contact?: string[]; type?: string }>;
  database_specific?: Record<string, unknown>;
}

export interface Severity {
  type: "CVSS_V2" | "CVSS_V3" | "CVSS_V4" | "Ubuntu" | string;
  score: string;
}

export interface Affected {
  package?: AffectedPackage;
  severity?: Severity[];
  ranges?: Range[];
  versions?: string[];
  ecosystem_specific?: Record<string, unknown>;
  database_specific?: Record<string, unknown>;
}

export interface AffectedPackage {
  /** "Debian:12", "Alpine:v3.19", "npm", "PyPI", "Go", "Maven", "crates.io", ... */
  ecosystem: string;
  name: string;
  purl?: string;
}

export interface Range {
  type: "SEMVER" | "ECOSYSTEM" | "GIT";
  repo?: string;
  events: RangeEvent[];
  database_specific?: Record<string, unknown>;
}

export type RangeEvent =
  | { introduced: string }
  | { fixed: string }
  | { last_affected: string }
  | { limit: string };

export interface Reference {
  type: string;
  url: string;
}

/** Enrichment that is not in OSV records: NVD CVSS, CISA KEV, FIRST EPSS, keyed by CVE id. */
export interface Enrichment {
  cve: string;
  nvdCvss?: Severity[];
  kev?: { dateAdded: string; dueDate?: string; knownRansomwareCampaignUse?: string };
  epss?: { probability: number; percentile: number; date?: string };
}
