import { SEVERITY_LEVELS, type SeverityLevel, type VulnerabilityFinding } from "../matching/finding.js";
import type { ScanSummary } from "../stores/findings-store.js";
import type { ScanJob } from "../stores/scan-job.js";

export const EVENT_SOURCE = "portcullis";
export const SCAN_COMPLETED_DETAIL_TYPE = "Portcullis Scan Completed";
/** EventBridge's PutEvents entry limit (Source + DetailType + Detail + Resources, UTF-8). */
export const MAX_EVENT_ENTRY_BYTES = 256 * 1024;
export const MAX_TOP_FINDINGS = 10;

export const SEVERITY_ORDER = SEVERITY_LEVELS;

/** Package names and ids come from the scanned image: untrusted, so each string is capped. */
const MAX_STRING = 256;

export interface TopFinding {
  id: string;
  package: string;
  installed: string;
  /** The first fixed version, when one exists. */
  fixed?: string;
  severity: SeverityLevel;
  kev?: true;
}

/** The `detail` of a `Portcullis Scan Completed` event: a summary, never the full findings list. */
export interface ScanCompletedDetail {
  version: 1;
  imageKey: string;
  provider: ScanJob["provider"];
  account: string;
  region: string;
  repository: string;
  digest: string;
  tags: string[];
  scannedAt: string;
  dbBuiltAt?: string;
  /** Every severity level, zero included, so rules can match `counts.CRITICAL > 0`. */
  counts: Record<SeverityLevel, number>;
  total: number;
  maxSeverity?: SeverityLevel;
  /** Findings with a fixed version available. */
  fixable: number;
  /** Findings in CISA's Known Exploited Vulnerabilities catalog. */
  kev: number;
  /** At most ten, most severe first. */
  topFindings: TopFinding[];
  /** True when findings exist beyond `topFindings` (more than ten, or dropped to fit the size limit). */
  topFindingsTruncated: boolean;
  reportUri?: string;
  sbomUri?: string;
}

export interface ScanLocations {
  reportUri?: string;
  sbomUri?: string;
}

export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** Cuts a string to `max` code points (never splitting a surrogate pair), marking the cut. */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  // A code point is at most two UTF-16 units: look no further than that.
  const chars = Array.from(value.slice(0, max * 2 + 2));
  if (chars.length <= max && value.length <= max * 2 + 2) return value;
  return `${chars.slice(0, Math.max(0, max - 1)).join("")}…`;
}

function rank(level: SeverityLevel): number {
  const at = SEVERITY_ORDER.indexOf(level);
  return at < 0 ? SEVERITY_ORDER.length : at;
}

/** Most severe first; within a level, known-exploited, then higher score, then id for stability. */
function compareFindings(a: VulnerabilityFinding, b: VulnerabilityFinding): number {
  return (
    rank(a.severity.level) - rank(b.severity.level) ||
    Number(b.kev === true) - Number(a.kev === true) ||
    (b.severity.score ?? -1) - (a.severity.score ?? -1) ||
    byCodeUnit(a.id, b.id) ||
    byCodeUnit(a.package.name, b.package.name)
  );
}

/** Plain ordering: cheap on long untrusted strings and the same in every locale. */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isFixable(finding: VulnerabilityFinding): boolean {
  return finding.fixedVersions.length > 0;
}

function topFinding(finding: VulnerabilityFinding): TopFinding {
  const fixed = finding.fixedVersions[0];
  return {
    id: truncate(finding.id, MAX_STRING),
    package: truncate(finding.package.name, MAX_STRING),
    installed: truncate(finding.package.version, MAX_STRING),
    ...(fixed !== undefined ? { fixed: truncate(fixed, MAX_STRING) } : {}),
    severity: finding.severity.level,
    ...(finding.kev === true ? { kev: true as const } : {}),
  };
}

/** The ten most severe findings without sorting thousands: a bounded insertion list. */
function mostSevere(findings: readonly VulnerabilityFinding[], n: number): VulnerabilityFinding[] {
  const top: VulnerabilityFinding[] = [];
  for (const finding of findings) {
    if (top.length === n && compareFindings(finding, top[n - 1] as VulnerabilityFinding) >= 0) continue;
    let at = top.length;
    while (at > 0 && compareFindings(finding, top[at - 1] as VulnerabilityFinding) < 0) at--;
    top.splice(at, 0, finding);
    if (top.length > n) top.pop();
  }
  return top;
}

export function buildScanCompletedDetail(
  job: ScanJob,
  summary: ScanSummary,
  findings: readonly VulnerabilityFinding[],
  locations: ScanLocations = {},
): ScanCompletedDetail {
  const counts = Object.fromEntries(SEVERITY_ORDER.map((level) => [level, 0])) as Record<
    SeverityLevel,
    number
  >;
  let fixable = 0;
  let kev = 0;
  for (const finding of findings) {
    counts[finding.severity.level] = (counts[finding.severity.level] ?? 0) + 1;
    if (isFixable(finding)) fixable++;
    if (finding.kev === true) kev++;
  }
  const maxSeverity = SEVERITY_ORDER.find((level) => counts[level] > 0);
  const top = mostSevere(findings, MAX_TOP_FINDINGS).map(topFinding);
  const detail: ScanCompletedDetail = {
    version: 1,
    imageKey: truncate(summary.imageKey, 1024),
    provider: job.provider,
    account: truncate(job.account, MAX_STRING),
    region: truncate(job.region, MAX_STRING),
    repository: truncate(job.repository, MAX_STRING),
    digest: truncate(job.digest, MAX_STRING),
    tags: job.tag !== undefined ? [truncate(job.tag, MAX_STRING)] : [],
    scannedAt: summary.scannedAt,
    ...(summary.dbBuiltAt !== undefined ? { dbBuiltAt: summary.dbBuiltAt } : {}),
    counts,
    total: findings.length,
    ...(maxSeverity ? { maxSeverity } : {}),
    fixable,
    kev,
    topFindings: top,
    topFindingsTruncated: findings.length > top.length,
    ...(locations.reportUri !== undefined ? { reportUri: truncate(locations.reportUri, 1024) } : {}),
    ...(locations.sbomUri !== undefined ? { sbomUri: truncate(locations.sbomUri, 1024) } : {}),
  };
  return fitDetail(detail);
}

/** Bytes EventBridge charges against the 256 KiB limit for one entry carrying this detail. */
export function eventEntryBytes(detail: ScanCompletedDetail): number {
  return (
    Buffer.byteLength(EVENT_SOURCE) +
    Buffer.byteLength(SCAN_COMPLETED_DETAIL_TYPE) +
    Buffer.byteLength(JSON.stringify(detail))
  );
}

/**
 * Strings are already capped, so this only bites in pathological cases; drop top findings from
 * the least severe end until the entry fits, keeping a margin for the envelope.
 */
function fitDetail(detail: ScanCompletedDetail): ScanCompletedDetail {
  const budget = MAX_EVENT_ENTRY_BYTES - 1024;
  let fitted = detail;
  while (eventEntryBytes(fitted) > budget && fitted.topFindings.length > 0) {
    fitted = { ...fitted, topFindings: fitted.topFindings.slice(0, -1), topFindingsTruncated: true };
  }
  return fitted;
}

/** One PutEvents entry, EventBusName filled in by the publisher. */
export interface ScanCompletedEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  Resources?: string[];
  Time?: Date;
}

export function scanCompletedEntry(detail: ScanCompletedDetail, time?: Date): ScanCompletedEntry {
  return {
    Source: EVENT_SOURCE,
    DetailType: SCAN_COMPLETED_DETAIL_TYPE,
    Detail: JSON.stringify(detail),
    ...(time ? { Time: time } : {}),
  };
}
