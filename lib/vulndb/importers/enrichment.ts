import type { Enrichment, Severity } from "../advisory.js";
import { streamLines } from "./read-input.js";
import { isRecord, readDocument } from "./source-text.js";
import { type ImportItem, type ImportOptions, resolveLimits } from "./types.js";

/**
 * Data keyed by CVE id that OSV records lack. Feeds read whole (NVD, KEV) are capped by
 * maxFileBytes; the EPSS CSV (~300k rows) is streamed.
 */

const NVD_METRICS: Array<[key: string, type: Severity["type"]]> = [
  ["cvssMetricV40", "CVSS_V4"],
  ["cvssMetricV31", "CVSS_V3"],
  ["cvssMetricV30", "CVSS_V3"],
  ["cvssMetricV2", "CVSS_V2"],
];

/** NVD CVE API 2.0 / feed JSON: `vulnerabilities[].cve.metrics`; NVD's own ("Primary") vector first. */
export async function* importNvd(path: string, options?: ImportOptions): AsyncGenerator<ImportItem> {
  const { value } = await readDocument(path, resolveLimits(options).maxFileBytes);
  yield* nvdToEnrichments(value, path);
}

export function* nvdToEnrichments(value: unknown, where: string): Generator<ImportItem> {
  const list = isRecord(value) && Array.isArray(value.vulnerabilities) ? value.vulnerabilities : undefined;
  if (!list) {
    yield { warning: `${where}: skipped: no vulnerabilities list` };
    return;
  }
  for (const [i, item] of list.entries()) {
    const cve = isRecord(item) && isRecord(item.cve) ? item.cve : undefined;
    if (!cve || typeof cve.id !== "string") {
      yield { warning: `${where}: vulnerabilities[${i}]: skipped: no cve.id` };
      continue;
    }
    const metrics = isRecord(cve.metrics) ? cve.metrics : {};
    const nvdCvss: Severity[] = [];
    for (const [key, type] of NVD_METRICS) {
      const vector = pickVector(metrics[key]);
      // v3.1 and v3.0 share a type: keep the newer only.
      if (vector && !nvdCvss.some((s) => s.type === type)) nvdCvss.push({ type, score: vector });
    }
    const enrichment: Enrichment = { cve: cve.id };
    if (nvdCvss.length > 0) enrichment.nvdCvss = nvdCvss;
    yield { enrichment };
  }
}

function pickVector(metrics: unknown): string | undefined {
  if (!Array.isArray(metrics)) return undefined;
  const vectors = metrics
    .filter(isRecord)
    .filter((m) => isRecord(m.cvssData) && typeof m.cvssData.vectorString === "string");
  const chosen = vectors.find((m) => m.type === "Primary") ?? vectors[0];
  return chosen ? ((chosen.cvssData as Record<string, unknown>).vectorString as string) : undefined;
}

/** CISA Known Exploited Vulnerabilities catalogue JSON. */
export async function* importKev(path: string, options?: ImportOptions): AsyncGenerator<ImportItem> {
  const { value } = await readDocument(path, resolveLimits(options).maxFileBytes);
  yield* kevToEnrichments(value, path);
}

export function* kevToEnrichments(value: unknown, where: string): Generator<ImportItem> {
  const list = isRecord(value) && Array.isArray(value.vulnerabilities) ? value.vulnerabilities : undefined;
  if (!list) {
    yield { warning: `${where}: skipped: no vulnerabilities list` };
    return;
  }
  for (const [i, item] of list.entries()) {
    if (!isRecord(item) || typeof item.cveID !== "string" || typeof item.dateAdded !== "string") {
      yield { warning: `${where}: vulnerabilities[${i}]: skipped: no cveID or dateAdded` };
      continue;
    }
    const kev: NonNullable<Enrichment["kev"]> = { dateAdded: item.dateAdded };
    if (typeof item.dueDate === "string") kev.dueDate = item.dueDate;
    if (typeof item.knownRansomwareCampaignUse === "string") {
      kev.knownRansomwareCampaignUse = item.knownRansomwareCampaignUse;
    }
    yield { enrichment: { cve: item.cveID, kev } };
  }
}

/**
 * FIRST EPSS CSV (optionally gzipped): `#model_version:v2025.03.14,score_date:2025-...` then
 * `cve,epss,percentile`. The score date goes on every row.
 */
export async function* importEpss(path: string, options?: ImportOptions): AsyncGenerator<ImportItem> {
  const limits = resolveLimits(options);
  let date: string | undefined;
  let columns: { cve: number; epss: number; percentile: number } | undefined;
  for await (const item of streamLines(path, 64 * 1024, limits.maxStreamBytes)) {
    if ("error" in item) {
      yield { warning: item.error };
      return;
    }
    if ("tooLong" in item) {
      yield { warning: `${path}:${item.lineNo}: skipped: line too long` };
      continue;
    }
    const line = item.line.trim();
    if (line === "") continue;
    if (line.startsWith("#")) {
      date = /score_date:([^,\s]+)/.exec(line)?.[1] ?? date;
      continue;
    }
    const cells = line.split(",").map((c) => c.trim());
    if (!columns) {
      const header = cells.map((c) => c.toLowerCase());
      columns = {
        cve: header.indexOf("cve"),
        epss: header.indexOf("epss"),
        percentile: header.indexOf("percentile"),
      };
      if (columns.cve < 0 || columns.epss < 0 || columns.percentile < 0) {
        yield { warning: `${path}:${item.lineNo}: not an EPSS header (cve,epss,percentile): import stopped` };
        return;
      }
      continue;
    }
    const cve = cells[columns.cve] ?? "";
    const probability = toNumber(cells[columns.epss]);
    const percentile = toNumber(cells[columns.percentile]);
    if (!/^CVE-\d+-\d+$/.test(cve) || !isUnit(probability) || !isUnit(percentile)) {
      yield { warning: `${path}:${item.lineNo}: skipped malformed row` };
      continue;
    }
    yield { enrichment: { cve, epss: { probability, percentile, ...(date ? { date } : {}) } } };
  }
}

function toNumber(cell: string | undefined): number {
  return cell === undefined || cell === "" ? Number.NaN : Number(cell);
}

function isUnit(value: number): boolean {
  return Number.isFinite(value) && value >= 0 && value <= 1;
}
