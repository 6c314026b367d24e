import type { ComplianceResult, MisconfigurationFinding, SecretFinding } from "../checks/types.js";
import { isOsEcosystem, type Package } from "../inventory/package.js";
import type { VulnerabilityFinding } from "../matching/finding.js";
import type { PolicyResult } from "../policy/types.js";
import { type Palette, palette } from "./ansi.js";
import type { ScanReport } from "./scan-report.js";
import { compareSeverity, countBySeverity, formatCounts } from "./severity.js";
import { printable, renderTable, truncate } from "./text-table.js";

export interface TableOptions {
  /** ANSI colours, for terminals. */
  color?: boolean;
}

/**
 * The human-readable report, grouped by target as Trivy does: the image summary, the OS packages'
 * vulnerabilities, then each language-package file's, secrets per file, image configuration
 * findings, the CIS compliance summary, the policy verdict, and warnings. Without a vulnerability
 * scan it lists the packages instead.
 */
export function writeTable(report: ScanReport, options: TableOptions = {}): string {
  const p = palette(options.color ?? false);
  const lines = header(report, p);
  const section = (body: string[]) => {
    if (body.length > 0) lines.push("", ...body);
  };
  if (report.vulnerabilities) {
    for (const target of vulnerabilityTargets(report, report.vulnerabilities))
      section(vulnerabilitySection(target, p));
  } else {
    for (const [ecosystem, packages] of groupBy(report.packages, (pkg) => pkg.ecosystem))
      section(packageSection(ecosystem, packages, p));
  }
  for (const [path, secrets] of groupBy(report.secrets ?? [], (s) => s.path))
    section(secretSection(path, secrets, p));
  if (report.misconfigurations) section(misconfigurationSection(report.misconfigurations, p));
  if (report.compliance) section(complianceSection(report.compliance, p));
  if (report.policy) section(policySection(report.policy, p));
  if (report.warnings.length > 0) {
    section([
      p.yellow(p.bold(`Warnings (${report.warnings.length})`)),
      ...report.warnings.map((w) =>
        p.yellow(printable(`  ${w.code}: ${w.path ? `${w.path}: ` : ""}${w.message}`)),
      ),
    ]);
  }
  return `${lines.join("\n")}\n`;
}

function header(report: ScanReport, p: Palette): string[] {
  const { artifact } = report;
  const platform = [artifact.platform.os, artifact.platform.architecture, artifact.platform.variant]
    .filter(Boolean)
    .join("/");
  const cachedLayers = artifact.layers.filter((l) => l.cached).length;
  const lines = [
    `${p.bold(artifact.name)} ${p.dim(`(${artifact.source})`)}`,
    `  Digest:    ${artifact.digest}`,
    `  Platform:  ${platform}`,
    `  OS:        ${describeOs(report) ?? "unknown"}`,
  ];
  if (report.os?.eol) lines.push(p.yellow(`  End of life: security support ended ${report.os.eolDate}`));
  lines.push(
    `  Layers:    ${artifact.layers.length}${cachedLayers ? ` (${cachedLayers} from cache)` : ""}, ` +
      `${formatBytes(artifact.layers.reduce((n, l) => n + l.size, 0))} compressed`,
    `  Packages:  ${report.packages.length}`,
    `  Duration:  ${(report.durationMs / 1000).toFixed(2)} s`,
  );
  return lines;
}

interface VulnerabilityTarget {
  title: string;
  findings: VulnerabilityFinding[];
}

/** The OS packages first (always, when an OS was found), then each language-package file. */
function vulnerabilityTargets(report: ScanReport, vulns: VulnerabilityFinding[]): VulnerabilityTarget[] {
  const os = vulns.filter((v) => isOsEcosystem(v.package.ecosystem));
  const targets: VulnerabilityTarget[] = [];
  if (report.os || os.length > 0) {
    const osName = report.os ? [report.os.family, report.os.versionId].filter(Boolean).join(" ") : "os";
    targets.push({ title: `${report.artifact.name} (${osName})`, findings: os });
  }
  const language = vulns.filter((v) => !isOsEcosystem(v.package.ecosystem));
  for (const [foundIn, findings] of groupBy(language, (v) => v.package.foundIn)) {
    targets.push({ title: `${foundIn} (${findings[0]?.package.ecosystem ?? "packages"})`, findings });
  }
  return targets;
}

function vulnerabilitySection(target: VulnerabilityTarget, p: Palette): string[] {
  const vulns = [...target.findings].sort(
    (a, b) =>
      compareSeverity(a.severity.level, b.severity.level) || a.package.name.localeCompare(b.package.name),
  );
  const counts = formatCounts(countBySeverity(vulns, (v) => v.severity.level));
  const lines = [p.bold(printable(target.title)), `Total: ${vulns.length}${counts ? ` (${counts})` : ""}`];
  if (vulns.length === 0) return lines;
  return [
    ...lines,
    ...renderTable(
      ["Package", "Vulnerability", "Severity", "Status", "Installed", "Fixed in", "Title"],
      vulns.map((v) => [
        v.package.name,
        `${v.id}${v.kev ? " (KEV)" : ""}`,
        { text: v.severity.level, style: (s) => p.severity(v.severity.level, s) },
        v.status,
        v.package.version,
        v.fixedVersions.join(", "),
        truncate(v.summary ?? "", 60),
      ]),
      p.bold,
    ),
  ];
}

function packageSection(ecosystem: string, packages: Package[], p: Palette): string[] {
  return [
    p.bold(`${ecosystem} packages (${packages.length})`),
    ...renderTable(
      ["Name", "Version", "Source", "Layer"],
      packages.map((pkg) => [pkg.name, pkg.version, sourceOf(pkg), String(pkg.layer.index)]),
      p.bold,
    ),
  ];
}

function secretSection(path: string, secrets: SecretFinding[], p: Palette): string[] {
  const counts = formatCounts(countBySeverity(secrets, (s) => s.severity));
  return [
    p.bold(`${printable(path)} (secrets)`),
    `Total: ${secrets.length}${counts ? ` (${counts})` : ""}`,
    ...renderTable(
      ["Rule", "Severity", "Line", "Match", "Layer", "Status"],
      [...secrets]
        .sort((a, b) => compareSeverity(a.severity, b.severity) || a.line - b.line)
        .map((s) => [
          s.ruleId,
          { text: s.severity, style: (t) => p.severity(s.severity, t) },
          String(s.line),
          s.match,
          String(s.layer.index),
          s.present
            ? "present"
            : { text: `removed in layer ${s.removedIn?.index ?? "?"}`, style: (t: string) => p.yellow(t) },
        ]),
      p.bold,
    ),
  ];
}

function misconfigurationSection(findings: MisconfigurationFinding[], p: Palette): string[] {
  const counts = formatCounts(countBySeverity(findings, (f) => f.severity));
  const lines = [p.bold("Image configuration"), `Total: ${findings.length}${counts ? ` (${counts})` : ""}`];
  if (findings.length === 0) return lines;
  return [
    ...lines,
    ...renderTable(
      ["ID", "Severity", "CIS", "Title", "Message"],
      [...findings]
        .sort((a, b) => compareSeverity(a.severity, b.severity) || a.id.localeCompare(b.id))
        .map((f) => [
          f.id,
          { text: f.severity, style: (t) => p.severity(f.severity, t) },
          (f.cis ?? []).join(", "),
          truncate(f.title, 50),
          truncate(f.message, 70),
        ]),
      p.bold,
    ),
  ];
}

function complianceSection(compliance: ComplianceResult, p: Palette): string[] {
  const passed = compliance.controls.filter((c) => c.status === "pass").length;
  return [
    p.bold(`${compliance.benchmark} ${compliance.version}`),
    `Controls: ${passed}/${compliance.controls.length} pass`,
    ...renderTable(
      ["Control", "Status", "Title", "Failed by"],
      compliance.controls.map((c) => [
        c.id,
        c.status === "pass" ? { text: "PASS", style: p.green } : { text: "FAIL", style: p.red },
        truncate(c.title, 60),
        c.failedBy.join(", "),
      ]),
      p.bold,
    ),
  ];
}

function policySection(policy: PolicyResult, p: Palette): string[] {
  const verdict = policy.result === "pass" ? p.green(p.bold("PASS")) : p.red(p.bold("FAIL"));
  const lines = [`${p.bold("Policy:")} ${verdict}${policy.failOn ? ` (fails on ${policy.failOn})` : ""}`];
  for (const failure of policy.failures) lines.push(`  - ${failure}`);
  const bySource = [...groupBy(policy.suppressed, (s) => s.suppression.source)]
    .map(([source, items]) => `${source} ${items.length}`)
    .join(", ");
  lines.push(`  Suppressed: ${policy.suppressed.length}${bySource ? ` (${bySource})` : ""}`);
  if (policy.expiredIgnores.length > 0) {
    lines.push(p.yellow(`  Expired ignore entries (${policy.expiredIgnores.length}), no longer applied:`));
    for (const e of policy.expiredIgnores) {
      const what = [e.id, e.package, e.path].filter(Boolean).join(" ");
      lines.push(
        p.yellow(
          `    ${what}: expired ${e.expires}${e.reason ? `, "${e.reason}"` : ""}${e.origin ? ` (${e.origin})` : ""}`,
        ),
      );
    }
  }
  return lines;
}

function describeOs(report: ScanReport): string | undefined {
  const os = report.os;
  if (!os) return undefined;
  return os.prettyName ?? [os.name ?? os.family, os.version ?? os.versionId].filter(Boolean).join(" ");
}

function sourceOf(p: Package): string {
  if (!p.source || (p.source.name === p.name && (p.source.version ?? p.version) === p.version)) return "";
  return p.source.version && p.source.version !== p.version
    ? `${p.source.name} ${p.source.version}`
    : p.source.name;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
