import type { SeverityLevel } from "../matching/finding.js";
import type { ScanReport } from "../report/scan-report.js";
import {
  ignoreMatchesMisconfiguration,
  ignoreMatchesSecret,
  ignoreMatchesVulnerability,
} from "./ignore-match.js";
import { type IgnoreRule, isIgnoreExpired } from "./ignore-rule.js";
import { meetsFailOn, type PolicyOptions } from "./policy-options.js";
import type { ExpiredIgnore, PolicyResult, SuppressedFinding, Suppression } from "./types.js";
import { decidingStatement, imageIdentity, vexReason } from "./vex-match.js";

function ignoreSuppression(rule: IgnoreRule): Suppression {
  const suppression: Suppression = {
    source: rule.source ?? "ignore-file",
    reason: rule.reason?.trim() ? rule.reason.trim() : `ignored: ${rule.id}`,
  };
  if (rule.origin !== undefined) suppression.origin = rule.origin;
  if (rule.expires !== undefined) suppression.expires = rule.expires;
  return suppression;
}

function expiredEntry(rule: IgnoreRule): ExpiredIgnore {
  const entry: ExpiredIgnore = { id: rule.id, expires: rule.expires ?? "" };
  if (rule.package !== undefined) entry.package = rule.package;
  if (rule.path !== undefined) entry.path = rule.path;
  if (rule.reason !== undefined) entry.reason = rule.reason;
  if (rule.origin !== undefined) entry.origin = rule.origin;
  return entry;
}

function severitySuppression(level: SeverityLevel, kept: readonly SeverityLevel[]): Suppression {
  return { source: "severity", reason: `severity ${level} is not among ${kept.join(", ")}` };
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Applies the policy to a report without changing it: the returned report's finding lists hold
 * what remains, and `policy` holds the verdict and every suppressed finding with its reason. For
 * each finding the first rule that applies is recorded, in the order VEX, ignore entries,
 * --ignore-unfixed, --severity. Expired ignore entries suppress nothing and are listed once each.
 * A policy already on the report is kept: its suppressions stay on record.
 */
export function applyPolicy(report: ScanReport, options: PolicyOptions, now: Date): ScanReport {
  const active: IgnoreRule[] = [];
  const expired: ExpiredIgnore[] = [...(report.policy?.expiredIgnores ?? [])];
  // Keyed so that applying a policy twice (repository policy, then CLI flags) lists an entry once.
  const key = (e: ExpiredIgnore) => JSON.stringify([e.id, e.package, e.path, e.expires, e.origin]);
  const seen = new Set(expired.map(key));
  for (const rule of options.ignores ?? []) {
    if (!isIgnoreExpired(rule, now)) {
      active.push(rule);
      continue;
    }
    const entry = expiredEntry(rule);
    if (!seen.has(key(entry))) expired.push(entry);
    seen.add(key(entry));
  }
  const vex = options.vex?.statements ?? [];
  const image = vex.length > 0 ? imageIdentity(report.artifact) : undefined;
  const kept = options.severities && options.severities.length > 0 ? options.severities : undefined;
  const bySeverity = (level: SeverityLevel): Suppression | undefined =>
    kept && !kept.includes(level) ? severitySuppression(level, kept) : undefined;

  const suppressed: SuppressedFinding[] = [...(report.policy?.suppressed ?? [])];

  const vulnerabilities = report.vulnerabilities?.filter((finding) => {
    const statement = image ? decidingStatement(vex, finding, image) : undefined;
    let suppression: Suppression | undefined;
    if (statement && (statement.status === "not_affected" || statement.status === "fixed")) {
      suppression = { source: "vex", reason: vexReason(statement), origin: statement.origin };
    }
    const rule = suppression ? undefined : active.find((r) => ignoreMatchesVulnerability(r, finding));
    if (rule) suppression = ignoreSuppression(rule);
    if (!suppression && options.ignoreUnfixed && finding.status !== "fixed") {
      suppression = { source: "unfixed", reason: `no fixed version (status ${finding.status})` };
    }
    suppression ??= bySeverity(finding.severity.level);
    if (suppression) suppressed.push({ kind: "vulnerability", finding, suppression });
    return !suppression;
  });

  const secrets = report.secrets?.filter((finding) => {
    const rule = active.find((r) => ignoreMatchesSecret(r, finding));
    const suppression = rule ? ignoreSuppression(rule) : bySeverity(finding.severity);
    if (suppression) suppressed.push({ kind: "secret", finding, suppression });
    return !suppression;
  });

  const misconfigurations = report.misconfigurations?.filter((finding) => {
    const rule = active.find((r) => ignoreMatchesMisconfiguration(r, finding));
    const suppression = rule ? ignoreSuppression(rule) : bySeverity(finding.severity);
    if (suppression) suppressed.push({ kind: "misconfiguration", finding, suppression });
    return !suppression;
  });

  const failures: string[] = [];
  const { failOn } = options;
  if (failOn) {
    const threshold = failOn === "UNKNOWN" ? "of any severity" : `of severity ${failOn} or above`;
    // Secrets a later layer removed (present: false) still count: the layer still holds them.
    const counts: Array<[number, string, string]> = [
      [
        vulnerabilities?.filter((f) => meetsFailOn(f.severity.level, failOn)).length ?? 0,
        "vulnerability",
        "vulnerabilities",
      ],
      [secrets?.filter((f) => meetsFailOn(f.severity, failOn)).length ?? 0, "secret", "secrets"],
      [
        misconfigurations?.filter((f) => meetsFailOn(f.severity, failOn)).length ?? 0,
        "misconfiguration",
        "misconfigurations",
      ],
    ];
    for (const [n, one, many] of counts) {
      if (n > 0) failures.push(`${count(n, one, many)} ${threshold}`);
    }
  }

  const policy: PolicyResult = {
    result: failures.length > 0 ? "fail" : "pass",
    failures,
    suppressed,
    expiredIgnores: expired,
  };
  if (failOn) policy.failOn = failOn;

  const out: ScanReport = { ...report, policy };
  if (vulnerabilities) out.vulnerabilities = vulnerabilities;
  if (secrets) out.secrets = secrets;
  if (misconfigurations) out.misconfigurations = misconfigurations;
  return out;
}
