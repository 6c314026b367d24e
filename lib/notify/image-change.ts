import { SEVERITY_LEVELS, type SeverityLevel, type VulnerabilityFinding } from "../matching/finding.js";
import type { ScanJob } from "../stores/scan-job.js";

/** Why the image is being announced: a fresh push, or a rescan against a newer vulnerability DB. */
export type ChangeReason = "push" | "rescan";

/** Where the image lives: the fields of `imageKey` plus the tags people recognise it by. */
export interface ImageIdentity {
  provider: ScanJob["provider"];
  account: string;
  region: string;
  repository: string;
  digest: string;
  tags: string[];
}

/** The part of a VulnerabilityFinding a notification shows. */
export interface ChangedFinding {
  id: string;
  severity: SeverityLevel;
  package: { ecosystem: string; name: string; version: string };
  fixedVersions: string[];
  kev: boolean;
  /** EPSS probability in [0, 1], when known. */
  epss?: number;
  references: string[];
}

export type SeverityCounts = Record<SeverityLevel, number>;

/**
 * The notifier's input: what changed for one image since its last notification. `counts` always
 * describe the two lists; they are kept so consumers need not recount.
 */
export interface ImageChange {
  image: ImageIdentity;
  reason: ChangeReason;
  scannedAt: string;
  newFindings: ChangedFinding[];
  resolvedFindings: ChangedFinding[];
  counts: { new: SeverityCounts; resolved: SeverityCounts };
  reportUri?: string;
}

export function emptyCounts(): SeverityCounts {
  return Object.fromEntries(SEVERITY_LEVELS.map((level) => [level, 0])) as SeverityCounts;
}

export function countBySeverity(findings: readonly ChangedFinding[]): SeverityCounts {
  const counts = emptyCounts();
  for (const finding of findings) counts[finding.severity]++;
  return counts;
}

/** The most severe level present, or undefined for an empty list. */
export function highestSeverity(findings: readonly ChangedFinding[]): SeverityLevel | undefined {
  const counts = countBySeverity(findings);
  return SEVERITY_LEVELS.find((level) => counts[level] > 0);
}

export function changedFinding(finding: VulnerabilityFinding): ChangedFinding {
  return {
    id: finding.id,
    severity: finding.severity.level,
    package: {
      ecosystem: finding.package.ecosystem,
      name: finding.package.name,
      version: finding.package.version,
    },
    fixedVersions: [...finding.fixedVersions],
    kev: finding.kev === true,
    ...(finding.epss !== undefined ? { epss: finding.epss.probability } : {}),
    references: [...finding.references],
  };
}

/** One flaw in one installed package: the same CVE in two packages is two findings. */
export function findingIdentity(finding: ChangedFinding): string {
  return JSON.stringify([
    finding.id,
    finding.package.ecosystem,
    finding.package.name,
    finding.package.version,
  ]);
}

export function isFixable(finding: ChangedFinding): boolean {
  return finding.fixedVersions.length > 0;
}

/** Builds a change with its counts filled in from the lists. */
export function imageChange(fields: Omit<ImageChange, "counts">): ImageChange {
  return {
    ...fields,
    counts: { new: countBySeverity(fields.newFindings), resolved: countBySeverity(fields.resolvedFindings) },
  };
}

/** What appeared and what went away between two scans of the same image. */
export function diffFindings(
  previous: readonly ChangedFinding[],
  current: readonly ChangedFinding[],
): { newFindings: ChangedFinding[]; resolvedFindings: ChangedFinding[] } {
  const before = new Set(previous.map(findingIdentity));
  const after = new Set(current.map(findingIdentity));
  return {
    newFindings: current.filter((f) => !before.has(findingIdentity(f))),
    resolvedFindings: previous.filter((f) => !after.has(findingIdentity(f))),
  };
}

function rank(level: SeverityLevel): number {
  return SEVERITY_LEVELS.indexOf(level);
}

/** Plain ordering: cheap on long untrusted strings and the same in every locale. */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Most severe first; then known-exploited, likelier exploitation, fixable, and id for stability. */
export function compareChangedFindings(a: ChangedFinding, b: ChangedFinding): number {
  return (
    rank(a.severity) - rank(b.severity) ||
    Number(b.kev) - Number(a.kev) ||
    (b.epss ?? -1) - (a.epss ?? -1) ||
    Number(isFixable(b)) - Number(isFixable(a)) ||
    byCodeUnit(a.id, b.id) ||
    byCodeUnit(a.package.name, b.package.name)
  );
}

/** The `n` findings a reader should see first. */
export function topFindings(findings: readonly ChangedFinding[], n: number): ChangedFinding[] {
  return [...findings].sort(compareChangedFindings).slice(0, Math.max(0, n));
}

/** "team/api:1.4.2", or "team/api@sha256:0f5a6e4fd1c4" when untagged. */
export function imageName(image: Pick<ImageIdentity, "repository" | "digest" | "tags">): string {
  const tag = image.tags[0];
  return tag !== undefined
    ? `${image.repository}:${tag}`
    : `${image.repository}@${image.digest.slice(0, 19)}`;
}
