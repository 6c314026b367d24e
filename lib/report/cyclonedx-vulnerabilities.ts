import type { SeverityLevel, VulnerabilityFinding } from "../matching/finding.js";
import type { Suppression } from "../policy/types.js";
import { advisoryUrl, isHttpUrl } from "./advisory-url.js";
import { cvssMethod } from "./cvss.js";
import type { ScanReport } from "./scan-report.js";
import { vexJustification } from "./vex-justification.js";

type Severity = "critical" | "high" | "medium" | "low" | "info" | "none" | "unknown";

const SEVERITY: Record<SeverityLevel, Severity> = {
  CRITICAL: "critical",
  HIGH: "high",
  MEDIUM: "medium",
  LOW: "low",
  NEGLIGIBLE: "info",
  UNKNOWN: "unknown",
};

/** OpenVEX justification labels as CycloneDX impact-analysis justifications. */
const JUSTIFICATION: Record<string, string> = {
  component_not_present: "code_not_present",
  vulnerable_code_not_present: "code_not_present",
  vulnerable_code_not_in_execute_path: "code_not_reachable",
  vulnerable_code_cannot_be_controlled_by_adversary: "requires_environment",
  inline_mitigations_already_exist: "protected_by_mitigating_control",
};

export interface CycloneDxVulnerability {
  "bom-ref": string;
  id: string;
  source: { name: string; url: string };
  references?: Array<{ id: string; source: { name: string; url: string } }>;
  ratings?: Array<{
    source?: { name: string };
    score?: number;
    severity: Severity;
    method?: string;
    vector?: string;
  }>;
  description?: string;
  recommendation?: string;
  advisories?: Array<{ url: string }>;
  analysis?: { state?: string; justification?: string; response?: string[]; detail?: string };
  affects: Array<{ ref: string }>;
  properties?: Array<{ name: string; value: string }>;
}

/**
 * CycloneDX VEX entries for the report's findings: one per vulnerability id and verdict, affecting
 * every component that has it. Open findings carry no analysis state (the scanner does not know
 * whether the flaw is exploitable here), only the response the fix status allows; findings the
 * policy suppressed carry the suppression as the analysis.
 */
export function cyclonedxVulnerabilities(
  report: ScanReport,
  componentRef: (finding: VulnerabilityFinding) => string,
  takeRef: (ref: string) => string,
): CycloneDxVulnerability[] {
  const entries = [
    ...(report.vulnerabilities ?? []).map((finding) => ({
      finding,
      suppression: undefined as Suppression | undefined,
    })),
    ...(report.policy?.suppressed ?? []).flatMap((s) =>
      s.kind === "vulnerability" ? [{ finding: s.finding, suppression: s.suppression }] : [],
    ),
  ];
  const groups = new Map<string, Array<(typeof entries)[number]>>();
  for (const entry of entries) {
    const verdict = entry.suppression ? `${entry.suppression.source}\u0000${entry.suppression.reason}` : "";
    const key = `${entry.finding.id}\u0000${verdict}`;
    const group = groups.get(key);
    if (group) group.push(entry);
    else groups.set(key, [entry]);
  }
  return [...groups.values()].map((group) => {
    const findings = group.map((g) => g.finding);
    const first = findings[0] as VulnerabilityFinding;
    const suppression = group[0]?.suppression;
    const ratings = distinct(findings.map(rating));
    const recommendation = recommendationOf(findings);
    const advisories = distinct(findings.flatMap((f) => f.references).filter(isHttpUrl)).map((url) => ({
      url,
    }));
    const aliases = distinct(findings.flatMap((f) => f.aliases)).filter((a) => a !== first.id);
    const properties = propertiesOf(findings);
    const analysis = suppression ? suppressionAnalysis(suppression) : openAnalysis(findings);
    const summary = findings.find((f) => f.summary?.trim())?.summary?.trim();
    return {
      "bom-ref": takeRef(`vulnerability:${first.id}`),
      id: first.id,
      source: sourceOf(first.id, first.references),
      ...(aliases.length > 0 ? { references: aliases.map((id) => ({ id, source: sourceOf(id, []) })) } : {}),
      ...(ratings.length > 0 ? { ratings } : {}),
      ...(summary ? { description: summary } : {}),
      ...(recommendation ? { recommendation } : {}),
      ...(advisories.length > 0 ? { advisories } : {}),
      ...(analysis ? { analysis } : {}),
      affects: distinct(findings.map(componentRef)).map((ref) => ({ ref })),
      ...(properties.length > 0 ? { properties } : {}),
    };
  });
}

function sourceOf(id: string, references: readonly string[]): { name: string; url: string } {
  const url = advisoryUrl(id, references);
  if (/^CVE-/i.test(id)) return { name: "NVD", url };
  if (/^GHSA-/i.test(id)) return { name: "GitHub", url };
  const prefix = /^([A-Za-z]+)-/.exec(id)?.[1];
  return { name: prefix ? prefix.toUpperCase() : "OSV", url };
}

function rating(f: VulnerabilityFinding): NonNullable<CycloneDxVulnerability["ratings"]>[number] {
  const { level, source, score, vector } = f.severity;
  const method = vector ? cvssMethod(vector) : undefined;
  return {
    ...(source ? { source: { name: source } } : {}),
    ...(score !== undefined ? { score } : {}),
    severity: SEVERITY[level],
    ...(method ? { method: method.cyclonedx } : {}),
    ...(vector ? { vector } : {}),
  };
}

function recommendationOf(findings: VulnerabilityFinding[]): string | undefined {
  const fixes = distinct(
    findings
      .filter((f) => f.fixedVersions.length > 0)
      .map((f) => `${f.package.name} ${f.package.version} to ${f.fixedVersions.join(" or ")}`),
  );
  return fixes.length > 0 ? `Upgrade ${fixes.join("; ")}.` : undefined;
}

function propertiesOf(findings: VulnerabilityFinding[]): Array<{ name: string; value: string }> {
  const f = findings[0] as VulnerabilityFinding;
  const properties = [
    { name: "portcullis:status", value: distinct(findings.map((x) => x.status)).join(",") },
  ];
  if (findings.some((x) => x.kev)) properties.push({ name: "portcullis:kev", value: "true" });
  const epss = findings.find((x) => x.epss)?.epss ?? f.epss;
  if (epss) {
    properties.push({ name: "portcullis:epss:probability", value: String(epss.probability) });
    properties.push({ name: "portcullis:epss:percentile", value: String(epss.percentile) });
  }
  return properties;
}

function openAnalysis(findings: VulnerabilityFinding[]): CycloneDxVulnerability["analysis"] {
  const responses = distinct(
    findings.flatMap((f) =>
      f.fixedVersions.length > 0 ? ["update"] : f.status === "will-not-fix" ? ["will_not_fix"] : [],
    ),
  );
  return responses.length > 0 ? { response: responses } : undefined;
}

/**
 * A VEX statement or an ignore entry is someone's verdict that the image is not affected; a
 * severity or unfixed threshold is not a verdict on exploitability, so those stay "in_triage".
 */
function suppressionAnalysis(s: Suppression): NonNullable<CycloneDxVulnerability["analysis"]> {
  const detail = `Suppressed by ${s.source}${s.origin ? ` (${s.origin})` : ""}: ${s.reason}${s.expires ? `, until ${s.expires}` : ""}`;
  if (s.source === "vex") {
    const vex = vexJustification(s.reason);
    if (vex === "fixed") return { state: "resolved", detail };
    const justification = vex ? JUSTIFICATION[vex] : undefined;
    return { state: "not_affected", ...(justification ? { justification } : {}), detail };
  }
  if (s.source === "ignore-file" || s.source === "repository-policy") {
    const vex = vexJustification(s.reason);
    const justification = vex && vex !== "fixed" ? JUSTIFICATION[vex] : undefined;
    if (/false[\s_-]?positive/i.test(s.reason)) return { state: "false_positive", detail };
    return { state: "not_affected", ...(justification ? { justification } : {}), detail };
  }
  return { state: "in_triage", detail };
}

function distinct<T>(items: readonly T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = JSON.stringify(item);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
