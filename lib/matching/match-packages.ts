import { normalizePypiName } from "../analyzers/python/normalize-pypi-name.js";
import type { OperatingSystem, Package } from "../inventory/package.js";
import type { Advisory, Affected, Enrichment } from "../vulndb/advisory.js";
import { isNotAffected } from "../vulndb/importers/markers.js";
import { advisoryQueries } from "./advisory-query.js";
import { groupByAliases } from "./alias-groups.js";
import type { FindingStatus, SeverityLevel, VulnerabilityFinding } from "./finding.js";
import { type Compare, evaluateAffected } from "./osv-range.js";

/** The database as matching sees it. */
export interface AdvisoryLookup {
  advisoriesFor(ecosystem: string, name: string): Promise<Advisory[]>;
  enrichment?(cve: string): Promise<Enrichment | undefined>;
}

export interface MatchOptions {
  /** The version comparator for an OSV ecosystem ("Debian:12" → dpkg, "PyPI" → PEP 440 ...). */
  comparatorFor(ecosystem: string): Compare | undefined;
  /** CVSS vector → score and level; severity falls back to it when no vendor rating exists. */
  scoreVector?(vector: string): { score: number; severity: string } | undefined;
}

interface Hit {
  advisory: Advisory;
  affected: Affected;
  fixedVersions: string[];
}

/** Matches every package against the advisories of its own ecosystem, merging aliases per package. */
export async function matchPackages(
  packages: readonly Package[],
  os: OperatingSystem | undefined,
  lookup: AdvisoryLookup,
  options: MatchOptions,
): Promise<{ findings: VulnerabilityFinding[]; warnings: string[] }> {
  const findings: VulnerabilityFinding[] = [];
  const warnings = new Set<string>();
  for (const pkg of packages) {
    const hits: Hit[] = [];
    for (const query of advisoryQueries(pkg, os)) {
      const compare = options.comparatorFor(query.ecosystem);
      if (!compare) {
        warnings.add(`no version comparator for ecosystem ${query.ecosystem}; its packages were not matched`);
        continue;
      }
      for (const advisory of await lookup.advisoriesFor(query.ecosystem, query.name)) {
        if (advisory.withdrawn) continue;
        for (const affected of advisory.affected ?? []) {
          if (!sameEcosystem(affected.package?.ecosystem, query.ecosystem)) continue;
          if (!samePackage(affected.package?.name, query.name, query.ecosystem)) continue;
          // The distro says this release never shipped the flaw (Alpine/Debian fix "0").
          if (isNotAffected(affected)) continue;
          const verdict = evaluateAffected(query.version, affected, compare);
          if (verdict.affected) hits.push({ advisory, affected, fixedVersions: verdict.fixedVersions });
        }
      }
    }
    if (hits.length > 0) findings.push(...(await toFindings(pkg, os, hits, lookup, options)));
  }
  return { findings, warnings: [...warnings] };
}

async function toFindings(
  pkg: Package,
  os: OperatingSystem | undefined,
  hits: Hit[],
  lookup: AdvisoryLookup,
  options: MatchOptions,
): Promise<VulnerabilityFinding[]> {
  const byId = new Map<string, Hit[]>();
  for (const hit of hits) byId.set(hit.advisory.id, [...(byId.get(hit.advisory.id) ?? []), hit]);
  const groups = groupByAliases(
    [...byId.values()].map((h) => ({ id: h[0]?.advisory.id ?? "", aliases: h[0]?.advisory.aliases ?? [] })),
  );
  const findings: VulnerabilityFinding[] = [];
  for (const group of groups) {
    const groupHits = group.flatMap((id) => byId.get(id) ?? []);
    const advisories = groupHits.map((h) => h.advisory);
    const allIds = new Set<string>();
    for (const a of advisories) for (const id of [a.id, ...(a.aliases ?? [])]) allIds.add(id);
    const cve = [...allIds].filter((id) => id.startsWith("CVE-")).sort()[0];
    const fixedVersions = [...new Set(groupHits.flatMap((h) => h.fixedVersions))];
    const enrichment = cve ? await lookup.enrichment?.(cve) : undefined;
    const finding: VulnerabilityFinding = {
      id: cve ?? (group[0] as string),
      aliases: [...allIds].sort(),
      advisories: group,
      package: {
        ecosystem: pkg.ecosystem,
        name: pkg.name,
        version: pkg.version,
        ...(pkg.purl ? { purl: pkg.purl } : {}),
        foundIn: pkg.foundIn,
        layer: pkg.layer,
      },
      fixedVersions,
      status: statusOf(fixedVersions, groupHits, os),
      severity: severityOf(groupHits, enrichment, options),
      references: [...new Set(advisories.flatMap((a) => (a.references ?? []).map((r) => r.url)))],
    };
    // PyPA and some distro records have details but no summary: their first sentence serves.
    const summary =
      advisories.find((a) => a.summary)?.summary ?? firstSentence(advisories.find((a) => a.details)?.details);
    if (summary) finding.summary = summary;
    if (enrichment?.kev) finding.kev = true;
    if (enrichment?.epss)
      finding.epss = { probability: enrichment.epss.probability, percentile: enrichment.epss.percentile };
    const symbols = goSymbols(groupHits);
    if (symbols.length > 0) finding.symbols = symbols;
    findings.push(finding);
  }
  return findings;
}

function statusOf(fixed: string[], hits: Hit[], os: OperatingSystem | undefined): FindingStatus {
  if (fixed.length > 0) return "fixed";
  const vendorStatus = hits
    .map((h) => String(h.affected.database_specific?.status ?? h.affected.ecosystem_specific?.status ?? ""))
    .concat(hits.map((h) => String(h.affected.database_specific?.urgency ?? "")));
  if (vendorStatus.includes("unimportant")) return "unimportant";
  if (vendorStatus.some((s) => s === "will-not-fix" || s === "ignored" || s === "no-dsa"))
    return "will-not-fix";
  if (vendorStatus.includes("end-of-life") || os?.eol) return "end-of-life";
  return "affected";
}

const LEVELS: readonly SeverityLevel[] = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "NEGLIGIBLE", "UNKNOWN"];

/** Vendor rating first (the distro or the language advisory's own), then CVSS in the advisory, then NVD. */
function severityOf(
  hits: Hit[],
  enrichment: Enrichment | undefined,
  options: MatchOptions,
): VulnerabilityFinding["severity"] {
  for (const hit of hits) {
    const vendor = vendorLevel(hit);
    if (vendor) return { level: vendor, source: hit.advisory.id };
  }
  for (const hit of hits) {
    for (const s of [...(hit.affected.severity ?? []), ...(hit.advisory.severity ?? [])]) {
      const scored = s.type.startsWith("CVSS") ? options.scoreVector?.(s.score) : undefined;
      if (scored)
        return {
          level: toLevel(scored.severity),
          source: hit.advisory.id,
          score: scored.score,
          vector: s.score,
        };
    }
  }
  for (const s of enrichment?.nvdCvss ?? []) {
    const scored = options.scoreVector?.(s.score);
    if (scored)
      return { level: toLevel(scored.severity), source: "nvd", score: scored.score, vector: s.score };
  }
  return { level: "UNKNOWN" };
}

function vendorLevel(hit: Hit): SeverityLevel | undefined {
  const raw =
    hit.affected.database_specific?.severity ??
    hit.affected.ecosystem_specific?.severity ??
    hit.advisory.database_specific?.severity ??
    hit.affected.database_specific?.urgency;
  if (typeof raw !== "string") return undefined;
  const level = toLevel(raw);
  return level === "UNKNOWN" ? undefined : level;
}

function toLevel(raw: string): SeverityLevel {
  const upper = raw.toUpperCase().replace(/\*$/, "");
  if (upper === "MODERATE") return "MEDIUM";
  if (upper === "IMPORTANT") return "HIGH";
  if (upper === "UNIMPORTANT") return "NEGLIGIBLE";
  return (LEVELS as readonly string[]).includes(upper) ? (upper as SeverityLevel) : "UNKNOWN";
}

function goSymbols(hits: Hit[]): string[] {
  const symbols = new Set<string>();
  for (const hit of hits) {
    const imports = hit.affected.ecosystem_specific?.imports;
    if (!Array.isArray(imports)) continue;
    for (const imp of imports as Array<{ path?: string; symbols?: string[] }>) {
      for (const symbol of imp.symbols ?? []) symbols.add(imp.path ? `${imp.path}.${symbol}` : symbol);
    }
  }
  return [...symbols].sort();
}

function sameEcosystem(advisory: string | undefined, query: string): boolean {
  return advisory !== undefined && advisory.toLowerCase() === query.toLowerCase();
}

/** PyPI names compare after PEP 503 normalisation; other ecosystems exactly. */
function samePackage(advisory: string | undefined, query: string, ecosystem: string): boolean {
  if (advisory === undefined) return false;
  if (ecosystem === "PyPI") return normalizePypiName(advisory) === normalizePypiName(query);
  return advisory === query;
}

function firstSentence(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const line = text.trim().split("\n")[0] ?? "";
  const end = line.search(/\.\s/);
  const sentence = end > 0 ? line.slice(0, end + 1) : line;
  return sentence.length > 200 ? `${sentence.slice(0, 199)}…` : sentence;
}
