import type { Package } from "../inventory/package.js";
import type { ScanReport } from "./scan-report.js";

export interface TableOptions {
  /** ANSI colours, for terminals. */
  color?: boolean;
}

/** The human-readable report: what the image is, its OS, and its packages grouped by ecosystem. */
export function writeTable(report: ScanReport, options: TableOptions = {}): string {
  const bold = (s: string) => (options.color ? `\u001b[1m${s}\u001b[22m` : s);
  const dim = (s: string) => (options.color ? `\u001b[2m${s}\u001b[22m` : s);
  const yellow = (s: string) => (options.color ? `\u001b[33m${s}\u001b[39m` : s);
  const { artifact } = report;
  const platform = [artifact.platform.os, artifact.platform.architecture, artifact.platform.variant]
    .filter(Boolean)
    .join("/");
  const cachedLayers = artifact.layers.filter((l) => l.cached).length;
  const lines: string[] = [];
  lines.push(`${bold(artifact.name)} ${dim(`(${artifact.source})`)}`);
  lines.push(`  Digest:    ${artifact.digest}`);
  lines.push(`  Platform:  ${platform}`);
  lines.push(`  OS:        ${report.os ? describeOs(report) : "unknown"}`);
  if (report.os?.eol) lines.push(yellow(`  End of life: security support ended ${report.os.eolDate}`));
  lines.push(
    `  Layers:    ${artifact.layers.length}${cachedLayers ? ` (${cachedLayers} from cache)` : ""}, ` +
      `${formatBytes(artifact.layers.reduce((n, l) => n + l.size, 0))} compressed`,
  );
  lines.push(`  Packages:  ${report.packages.length}`);
  lines.push(`  Duration:  ${(report.durationMs / 1000).toFixed(2)} s`);

  for (const [ecosystem, packages] of groupBy(report.packages, (p) => p.ecosystem)) {
    lines.push("");
    lines.push(bold(`${ecosystem} packages (${packages.length})`));
    lines.push(
      ...renderTable(
        ["Name", "Version", "Source", "Layer"],
        packages.map((p) => [p.name, p.version, sourceOf(p), String(p.layer.index)]),
        bold,
      ),
    );
  }
  if (report.vulnerabilities) {
    const vulns = report.vulnerabilities;
    const counts = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "NEGLIGIBLE", "UNKNOWN"]
      .map((level) => [level, vulns.filter((v) => v.severity.level === level).length] as const)
      .filter(([, n]) => n > 0)
      .map(([level, n]) => `${level} ${n}`);
    lines.push("");
    lines.push(bold(`Vulnerabilities (${vulns.length}${counts.length ? `: ${counts.join(", ")}` : ""})`));
    if (vulns.length > 0) {
      lines.push(
        ...renderTable(
          ["Package", "Vulnerability", "Severity", "Status", "Installed", "Fixed in", "Title"],
          vulns.map((v) => [
            v.package.name,
            `${v.id}${v.kev ? " (KEV)" : ""}`,
            v.severity.level,
            v.status,
            v.package.version,
            v.fixedVersions.join(", "),
            truncate(v.summary ?? "", 60),
          ]),
          bold,
        ),
      );
    }
  }
  if (report.warnings.length > 0) {
    lines.push("");
    lines.push(yellow(bold(`Warnings (${report.warnings.length})`)));
    for (const w of report.warnings)
      lines.push(yellow(`  ${w.code}: ${w.path ? `${w.path}: ` : ""}${w.message}`));
  }
  return `${lines.join("\n")}\n`;
}

function truncate(text: string, max: number): string {
  const line = text.split("\n")[0] ?? "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function describeOs(report: ScanReport): string {
  const os = report.os;
  if (!os) return "unknown";
  return os.prettyName ?? [os.name ?? os.family, os.version ?? os.versionId].filter(Boolean).join(" ");
}

function sourceOf(p: Package): string {
  if (!p.source || (p.source.name === p.name && (p.source.version ?? p.version) === p.version)) return "";
  return p.source.version && p.source.version !== p.version
    ? `${p.source.name} ${p.source.version}`
    : p.source.name;
}

function renderTable(headers: string[], rows: string[][], bold: (s: string) => string): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ")}`.trimEnd();
  return [bold(line(headers)), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
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
