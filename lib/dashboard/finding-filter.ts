import type { Severity } from "./api-contract.js";

/** The findings filters of the API: `severity=HIGH,CRITICAL`, `fixable=true`, `kev=true`, `q=...`. */
export interface FindingFilter {
  severity?: ReadonlySet<Severity>;
  fixable?: boolean;
  kev?: boolean;
  /** Case-insensitive substring of the vulnerability id, an alias, or the package name. */
  q?: string;
}

export interface Filterable {
  id: string;
  severity: Severity;
  fixable: boolean;
  kev: boolean;
  aliases?: readonly string[];
  packageName?: string;
}

export function matchesFilter(row: Filterable, filter: FindingFilter): boolean {
  if (filter.severity && !filter.severity.has(row.severity)) return false;
  if (filter.fixable !== undefined && row.fixable !== filter.fixable) return false;
  if (filter.kev !== undefined && row.kev !== filter.kev) return false;
  if (filter.q) {
    const q = filter.q.toLowerCase();
    const haystack = [row.id, ...(row.aliases ?? []), row.packageName ?? ""];
    if (!haystack.some((text) => text.toLowerCase().includes(q))) return false;
  }
  return true;
}

export function isEmptyFilter(filter: FindingFilter): boolean {
  return (
    filter.severity === undefined && filter.fixable === undefined && filter.kev === undefined && !filter.q
  );
}
