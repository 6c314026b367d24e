import type { SeverityLevel } from "../matching/finding.js";
import { imageKey } from "../stores/scan-job.js";
import {
  type ChangedFinding,
  highestSeverity,
  type ImageChange,
  imageName,
  isFixable,
  type SeverityCounts,
  topFindings,
} from "./image-change.js";
import { SEVERITY_ORDER, truncate } from "./scan-completed.js";
import {
  MAX_SNS_MESSAGE_BYTES,
  type SnsAttribute,
  type SnsScanMessage,
  snsMessageBytes,
  snsSubject,
} from "./sns-message.js";

export const MAX_CHANGE_TOP_FINDINGS = 10;
/** Strings from the image (names, versions, tags) are untrusted: each is capped. */
const MAX_STRING = 256;
const MAX_TAGS = 20;
const MAX_REFERENCES = 3;

export interface ChangeTopFinding {
  id: string;
  severity: SeverityLevel;
  ecosystem: string;
  package: string;
  installed: string;
  fixed?: string;
  kev?: true;
  epss?: number;
  references: string[];
}

/** The JSON body of an image-change message: counts in full, findings only the most severe. */
export interface ImageChangeSummary {
  text: string;
  version: 1;
  type: "image-change";
  imageKey: string;
  provider: ImageChange["image"]["provider"];
  account: string;
  region: string;
  repository: string;
  digest: string;
  tags: string[];
  reason: ImageChange["reason"];
  scannedAt: string;
  reportUri?: string;
  /** The most severe new finding's level. */
  maxSeverity?: SeverityLevel;
  counts: { new: SeverityCounts; resolved: SeverityCounts };
  newTotal: number;
  resolvedTotal: number;
  /** New findings that have a fixed version / are known exploited. */
  fixable: number;
  kev: number;
  topNew: ChangeTopFinding[];
  topResolved: ChangeTopFinding[];
  /** True when findings exist beyond the lists (more than ten, or dropped to fit 256 KiB). */
  topNewTruncated: boolean;
  topResolvedTruncated: boolean;
}

function topFinding(finding: ChangedFinding): ChangeTopFinding {
  const fixed = finding.fixedVersions[0];
  return {
    id: truncate(finding.id, MAX_STRING),
    severity: finding.severity,
    ecosystem: truncate(finding.package.ecosystem, MAX_STRING),
    package: truncate(finding.package.name, MAX_STRING),
    installed: truncate(finding.package.version, MAX_STRING),
    ...(fixed !== undefined ? { fixed: truncate(fixed, MAX_STRING) } : {}),
    ...(finding.kev ? { kev: true as const } : {}),
    ...(finding.epss !== undefined ? { epss: finding.epss } : {}),
    references: finding.references.slice(0, MAX_REFERENCES).map((r) => truncate(r, 1024)),
  };
}

function countsText(counts: SeverityCounts): string {
  return SEVERITY_ORDER.filter((level) => counts[level] > 0)
    .map((level) => `${counts[level]} ${level.toLowerCase()}`)
    .join(", ");
}

function nameOf(summary: ImageChangeSummary): string {
  return imageName(summary);
}

export function changeSubject(summary: ImageChangeSummary): string {
  const level = summary.maxSeverity ?? "RESOLVED";
  // Per-level counts would push the image name past 100 characters; they are in the body.
  const fresh = summary.newTotal > 0 ? `${summary.newTotal} new` : "";
  const gone = summary.resolvedTotal > 0 ? `${summary.resolvedTotal} resolved` : "";
  const what = [fresh, gone].filter(Boolean).join(", ") || "no change";
  return snsSubject(`[Portcullis] ${level}: ${what} in ${nameOf(summary)} (${summary.account})`);
}

/** A few lines for e-mail: what changed where, and the findings to act on first. */
export function changeText(summary: ImageChangeSummary): string {
  const lines = [
    `Portcullis ${summary.reason === "rescan" ? "rescanned" : "scanned"} ${nameOf(summary)} in ${summary.provider} account ${summary.account} (${summary.region}).`,
    `Digest: ${summary.digest}`,
    `New: ${summary.newTotal}${summary.newTotal > 0 ? ` (${countsText(summary.counts.new)}); ${summary.fixable} fixable, ${summary.kev} known exploited` : ""}. Resolved: ${summary.resolvedTotal}.`,
  ];
  const list = (title: string, findings: ChangeTopFinding[]) => {
    if (findings.length === 0) return;
    lines.push(title);
    for (const f of findings) {
      const fix = f.fixed !== undefined ? `fixed in ${f.fixed}` : "no fix yet";
      lines.push(`  ${f.severity} ${f.id} ${f.package} ${f.installed} (${fix})${f.kev ? " [KEV]" : ""}`);
    }
  };
  list("Most severe new:", summary.topNew);
  list("Resolved:", summary.topResolved);
  if (summary.reportUri !== undefined) lines.push(`Report: ${summary.reportUri}`);
  return lines.join("\n");
}

export function buildImageChangeSummary(change: ImageChange): Omit<ImageChangeSummary, "text"> {
  const { image } = change;
  const topNew = topFindings(change.newFindings, MAX_CHANGE_TOP_FINDINGS).map(topFinding);
  const topResolved = topFindings(change.resolvedFindings, MAX_CHANGE_TOP_FINDINGS).map(topFinding);
  const maxSeverity = highestSeverity(change.newFindings);
  return {
    version: 1,
    type: "image-change",
    imageKey: truncate(imageKey(image), 1024),
    provider: image.provider,
    account: truncate(image.account, MAX_STRING),
    region: truncate(image.region, MAX_STRING),
    repository: truncate(image.repository, MAX_STRING),
    digest: truncate(image.digest, MAX_STRING),
    tags: image.tags.slice(0, MAX_TAGS).map((t) => truncate(t, MAX_STRING)),
    reason: change.reason,
    scannedAt: truncate(change.scannedAt, 64),
    ...(change.reportUri !== undefined ? { reportUri: truncate(change.reportUri, 1024) } : {}),
    ...(maxSeverity !== undefined ? { maxSeverity } : {}),
    counts: change.counts,
    newTotal: change.newFindings.length,
    resolvedTotal: change.resolvedFindings.length,
    fixable: change.newFindings.filter(isFixable).length,
    kev: change.newFindings.filter((f) => f.kev).length,
    topNew,
    topResolved,
    topNewTruncated: change.newFindings.length > topNew.length,
    topResolvedTruncated: change.resolvedFindings.length > topResolved.length,
  };
}

/**
 * Nine attributes (raw SQS delivery carries at most ten) for filter policies such as
 * {"severity": ["CRITICAL"], "kev": ["true"], "new": [{"numeric": [">", 0]}]}.
 */
export function changeAttributes(summary: Omit<ImageChangeSummary, "text">): Record<string, SnsAttribute> {
  // SNS refuses empty attribute values.
  const text = (value: string): SnsAttribute => ({
    DataType: "String",
    StringValue: truncate(value, 256) || "-",
  });
  const number = (value: number): SnsAttribute => ({ DataType: "Number", StringValue: String(value) });
  return {
    severity: text(summary.maxSeverity ?? "NONE"),
    account: text(summary.account),
    repository: text(summary.repository),
    provider: text(summary.provider),
    reason: text(summary.reason),
    kev: text(String(summary.kev > 0)),
    fixable: text(String(summary.fixable > 0)),
    new: number(summary.newTotal),
    resolved: number(summary.resolvedTotal),
  };
}

function render(summary: Omit<ImageChangeSummary, "text">): SnsScanMessage {
  const full: ImageChangeSummary = { text: "", ...summary };
  full.text = changeText(full);
  return {
    Subject: changeSubject(full),
    Message: JSON.stringify(full, null, 1),
    MessageAttributes: changeAttributes(summary),
  };
}

/** The SNS message for one image change, under 256 KiB: resolved, then new top findings give way first. */
export function buildSnsChangeMessage(change: ImageChange): SnsScanMessage {
  const budget = MAX_SNS_MESSAGE_BYTES - 1024;
  let summary = buildImageChangeSummary(change);
  let message = render(summary);
  while (snsMessageBytes(message) > budget) {
    if (summary.topResolved.length > 0) {
      summary = { ...summary, topResolved: summary.topResolved.slice(0, -1), topResolvedTruncated: true };
    } else if (summary.topNew.length > 0) {
      summary = { ...summary, topNew: summary.topNew.slice(0, -1), topNewTruncated: true };
    } else {
      break;
    }
    message = render(summary);
  }
  return message;
}
