import type { MisconfigurationFinding, SecretFinding } from "../checks/types.js";
import type { SeverityLevel, VulnerabilityFinding } from "../matching/finding.js";
import type { SuppressedFinding } from "../policy/types.js";
import { advisoryUrl } from "./advisory-url.js";
import { codeSpan, escapeMarkdown as esc, escapeHtml, linkDestination } from "./markdown-text.js";
import type { ScanReport } from "./scan-report.js";
import { compareSeverity, countBySeverity, SEVERITY_ORDER } from "./severity.js";

/** GitHub rejects issue and pull-request comments longer than this. */
export const GITHUB_COMMENT_LIMIT = 65_536;

export interface MarkdownOptions {
  /** Most characters the document may have; GitHub's comment limit by default. */
  maxLength?: number;
  /** Findings in the main table; the rest go into a collapsed section. */
  topFindings?: number;
}

const TRUNCATION_NOTE =
  "\n\n> [!NOTE]\n> The report was cut to fit a GitHub comment: %N rows are not shown. Run `portcullis scan` for the full list.\n";

/**
 * A pull-request comment: the image and digest, the policy verdict, counts by severity, the most
 * severe vulnerabilities, secrets and configuration findings, and collapsed sections for the
 * rest. Everything taken from the image is escaped or put in code spans; rows that would push the
 * comment past the limit are left out, and a note says how many.
 */
export function writeMarkdown(report: ScanReport, options: MarkdownOptions = {}): string {
  const limit = options.maxLength ?? GITHUB_COMMENT_LIMIT;
  const top = options.topFindings ?? 20;
  const doc = new BoundedDocument(limit - TRUNCATION_NOTE.length - 16);
  const { artifact } = report;
  const vulns = [...(report.vulnerabilities ?? [])].sort(byRisk);
  const secrets = [...(report.secrets ?? [])].sort((a, b) => compareSeverity(a.severity, b.severity));
  const misconfigurations = [...(report.misconfigurations ?? [])].sort((a, b) =>
    compareSeverity(a.severity, b.severity),
  );

  doc.block(`## Portcullis scan of ${codeSpan(artifact.name)}\n\nDigest: ${codeSpan(artifact.digest)}`);
  if (report.policy) {
    const { policy } = report;
    const verdict = policy.result === "pass" ? "✅ **Policy passed**" : "❌ **Policy failed**";
    const failures = policy.failures.map((f) => `- ${esc(f)}`).join("\n");
    doc.block(
      `${verdict}${policy.failOn ? ` (fails on ${policy.failOn})` : ""}${failures ? `\n\n${failures}` : ""}`,
    );
  }
  doc.block(countsTable(report));

  if (vulns.length > 0) {
    doc.block(`### Vulnerabilities${vulns.length > top ? ` (top ${top} of ${vulns.length})` : ""}`);
    doc.table(VULN_HEADER, vulns.slice(0, top).map(vulnerabilityRow));
  } else if (report.vulnerabilities) {
    doc.block("No vulnerabilities found.");
  }
  if (secrets.length > 0) {
    doc.block(`### Secrets (${secrets.length})`);
    doc.table(SECRET_HEADER, secrets.map(secretRow));
  }
  if (misconfigurations.length > 0) {
    doc.block(`### Image configuration (${misconfigurations.length})`);
    doc.table(MISCONFIG_HEADER, misconfigurations.map(misconfigurationRow));
  }
  if (vulns.length > top) {
    doc.details(
      `${vulns.length - top} more vulnerabilities`,
      VULN_HEADER,
      vulns.slice(top).map(vulnerabilityRow),
    );
  }
  const suppressed = report.policy?.suppressed ?? [];
  if (suppressed.length > 0) {
    doc.details(`${suppressed.length} suppressed findings`, SUPPRESSED_HEADER, suppressed.map(suppressedRow));
  }
  const expired = report.policy?.expiredIgnores ?? [];
  if (expired.length > 0) {
    doc.details(
      `⚠️ ${expired.length} expired ignore entries (no longer applied)`,
      ["Id", "Package / path", "Expired", "Reason"],
      expired.map((e) => [
        esc(e.id),
        codeSpan(e.package ?? e.path ?? ""),
        esc(e.expires),
        esc(e.reason ?? ""),
      ]),
    );
  }
  if (report.compliance) {
    const { compliance } = report;
    const passed = compliance.controls.filter((c) => c.status === "pass").length;
    doc.details(
      `${compliance.benchmark} ${compliance.version}: ${passed}/${compliance.controls.length} controls pass`,
      ["Control", "Status", "Title", "Failed by"],
      compliance.controls.map((c) => [
        esc(c.id),
        c.status === "pass" ? "✅ pass" : "❌ fail",
        esc(c.title),
        c.failedBy.map(esc).join(", "),
      ]),
    );
  }
  if (report.warnings.length > 0) {
    doc.details(
      `${report.warnings.length} warnings`,
      ["Code", "Path", "Message"],
      report.warnings.map((w) => [esc(w.code), codeSpan(w.path ?? ""), esc(w.message)]),
    );
  }
  const text = doc.toString();
  return doc.omitted > 0 ? `${text}${TRUNCATION_NOTE.replace("%N", String(doc.omitted))}` : `${text}\n`;
}

const VULN_HEADER = ["Vulnerability", "Package", "Installed", "Fixed", "Severity"];
const SECRET_HEADER = ["Rule", "Severity", "File", "Line", "Match", "Status"];
const MISCONFIG_HEADER = ["Check", "Severity", "Title", "Message"];
const SUPPRESSED_HEADER = ["Finding", "Severity", "Where", "Suppressed by", "Reason"];

function byRisk(a: VulnerabilityFinding, b: VulnerabilityFinding): number {
  return (
    compareSeverity(a.severity.level, b.severity.level) ||
    Number(b.kev ?? false) - Number(a.kev ?? false) ||
    (b.severity.score ?? 0) - (a.severity.score ?? 0) ||
    a.id.localeCompare(b.id)
  );
}

function countsTable(report: ScanReport): string {
  const vulns = countBySeverity(report.vulnerabilities ?? [], (v) => v.severity.level);
  const secrets = countBySeverity(report.secrets ?? [], (s) => s.severity);
  const configs = countBySeverity(report.misconfigurations ?? [], (m) => m.severity);
  const rows = SEVERITY_ORDER.filter((l) =>
    l !== "NEGLIGIBLE" && l !== "UNKNOWN" ? true : (vulns.get(l) ?? 0) > 0,
  ).map((l) => `| ${badge(l)} | ${vulns.get(l) ?? 0} | ${secrets.get(l) ?? 0} | ${configs.get(l) ?? 0} |`);
  return [
    "| Severity | Vulnerabilities | Secrets | Misconfigurations |",
    "| --- | ---: | ---: | ---: |",
    ...rows,
  ].join("\n");
}

function badge(level: SeverityLevel): string {
  const icon = { CRITICAL: "🟥", HIGH: "🟧", MEDIUM: "🟨", LOW: "🟦", NEGLIGIBLE: "⬜", UNKNOWN: "⬜" }[
    level
  ];
  return `${icon} ${level}`;
}

function vulnerabilityRow(v: VulnerabilityFinding): string[] {
  const link = `[${esc(v.id)}](${linkDestination(advisoryUrl(v.id, v.references))})${v.kev ? " 🔥 KEV" : ""}`;
  return [
    link,
    codeSpan(v.package.name),
    codeSpan(v.package.version),
    v.fixedVersions.length > 0 ? v.fixedVersions.map(codeSpan).join(", ") : esc(v.status),
    badge(v.severity.level),
  ];
}

function secretRow(s: SecretFinding): string[] {
  return [
    esc(s.ruleId),
    badge(s.severity),
    codeSpan(s.path),
    String(s.line),
    codeSpan(s.match),
    s.present ? "present" : `removed in layer ${s.removedIn?.index ?? "?"} (still in layer ${s.layer.index})`,
  ];
}

function misconfigurationRow(m: MisconfigurationFinding): string[] {
  return [esc(m.id), badge(m.severity), esc(m.title), esc(m.message)];
}

function suppressedRow(s: SuppressedFinding): string[] {
  const reason = `${esc(s.suppression.reason)}${s.suppression.expires ? ` (until ${esc(s.suppression.expires)})` : ""}`;
  const by = esc(s.suppression.source);
  if (s.kind === "vulnerability") {
    const f = s.finding;
    return [
      esc(f.id),
      badge(f.severity.level),
      `${codeSpan(f.package.name)} ${codeSpan(f.package.version)}`,
      by,
      reason,
    ];
  }
  if (s.kind === "secret") {
    const f = s.finding;
    return [esc(f.ruleId), badge(f.severity), `${codeSpan(f.path)}:${f.line}`, by, reason];
  }
  return [esc(s.finding.id), badge(s.finding.severity), "image configuration", by, reason];
}

/**
 * Markdown assembled under a character budget: blocks and table rows are added while they fit,
 * the rest counted as omitted. A <details> section is opened only when its closing tag fits too.
 */
class BoundedDocument {
  private readonly parts: string[] = [];
  private length = 0;
  omitted = 0;

  constructor(private readonly budget: number) {}

  block(text: string, reserve = 0): boolean {
    return this.add(`${this.parts.length > 0 ? "\n\n" : ""}${text}`, reserve);
  }

  table(header: string[], rows: string[][], reserve = 0): void {
    if (!this.block(`${row(header)}\n${row(header.map(() => "---"))}`, reserve)) {
      this.omitted += rows.length;
      return;
    }
    for (const [i, cells] of rows.entries()) {
      if (!this.add(`\n${row(cells)}`, reserve)) {
        this.omitted += rows.length - i;
        return;
      }
    }
  }

  /** `summary` is plain text: it is HTML-escaped here, as markdown is not parsed inside <summary>. */
  details(summary: string, header: string[], rows: string[][]): void {
    const close = "\n\n</details>";
    if (!this.block(`<details>\n<summary>${escapeHtml(summary)}</summary>\n`, close.length)) {
      this.omitted += rows.length;
      return;
    }
    this.table(header, rows, close.length);
    this.add(close);
  }

  toString(): string {
    return this.parts.join("");
  }

  private add(text: string, reserve = 0): boolean {
    if (this.length + text.length + reserve > this.budget) return false;
    this.parts.push(text);
    this.length += text.length;
    return true;
  }
}

function row(cells: string[]): string {
  return `| ${cells.join(" | ")} |`;
}
