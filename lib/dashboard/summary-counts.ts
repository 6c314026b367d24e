import { OPEN_COUNT_PREFIX } from "../aws/dynamo-risk-index.js";
import type { Severity, SeverityCounts } from "./api-contract.js";

/** What a counts item (fleet, account, repository SUMMARY) holds, read leniently. */
export interface SummaryCounts {
  images: number;
  scans: number;
  open: SeverityCounts;
  fixable: number;
  kev: number;
  pushed: number;
  scanned: number;
  failed: number;
}

/** The API's levels; NEGLIGIBLE (a distro's own level) counts as LOW. */
export function apiSeverity(level: string | undefined): Severity {
  switch (level) {
    case "CRITICAL":
    case "HIGH":
    case "MEDIUM":
    case "LOW":
      return level;
    case "NEGLIGIBLE":
      return "LOW";
    default:
      return "UNKNOWN";
  }
}

/** `open_<LEVEL>` attributes as API counts; zeros are left out. */
export function openCounts(item: Record<string, unknown>): SeverityCounts {
  const open: SeverityCounts = {};
  for (const [name, value] of Object.entries(item)) {
    if (!name.startsWith(OPEN_COUNT_PREFIX) || typeof value !== "number" || value === 0) continue;
    const level = apiSeverity(name.slice(OPEN_COUNT_PREFIX.length));
    open[level] = (open[level] ?? 0) + value;
  }
  return open;
}

const num = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);

export function countsFromItem(item: Record<string, unknown> | undefined): SummaryCounts {
  const source = item ?? {};
  return {
    images: num(source.images),
    scans: num(source.scans),
    open: openCounts(source),
    fixable: num(source.fixable),
    kev: num(source.kev),
    pushed: num(source.pushed),
    scanned: num(source.scanned),
    failed: num(source.failed),
  };
}

export function addSeverityCounts(a: SeverityCounts, b: SeverityCounts): SeverityCounts {
  const out: SeverityCounts = { ...a };
  for (const [level, n] of Object.entries(b) as Array<[Severity, number]>) out[level] = (out[level] ?? 0) + n;
  return out;
}

export function sumCounts(list: readonly SummaryCounts[]): SummaryCounts {
  const total = countsFromItem(undefined);
  for (const c of list) {
    total.images += c.images;
    total.scans += c.scans;
    total.open = addSeverityCounts(total.open, c.open);
    total.fixable += c.fixable;
    total.kev += c.kev;
    total.pushed += c.pushed;
    total.scanned += c.scanned;
    total.failed += c.failed;
  }
  return total;
}
