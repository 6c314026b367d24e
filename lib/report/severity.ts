import { SEVERITY_LEVELS, type SeverityLevel } from "../matching/finding.js";

/** Most severe first: every writer lists and counts in this order. */
export const SEVERITY_ORDER = SEVERITY_LEVELS;

/** Negative when `a` is more severe than `b`, for Array.prototype.sort. */
export function compareSeverity(a: SeverityLevel, b: SeverityLevel): number {
  return SEVERITY_ORDER.indexOf(a) - SEVERITY_ORDER.indexOf(b);
}

/** How many items there are of each level, every level present (zeros included), in SEVERITY_ORDER. */
export function countBySeverity<T>(
  items: readonly T[],
  level: (item: T) => SeverityLevel,
): Map<SeverityLevel, number> {
  const counts = new Map<SeverityLevel, number>(SEVERITY_ORDER.map((l) => [l, 0]));
  for (const item of items) {
    const l = level(item);
    counts.set(l, (counts.get(l) ?? 0) + 1);
  }
  return counts;
}

/** "CRITICAL: 1, HIGH: 2" for the levels that occur. */
export function formatCounts(counts: Map<SeverityLevel, number>): string {
  return [...counts]
    .filter(([, n]) => n > 0)
    .map(([l, n]) => `${l}: ${n}`)
    .join(", ");
}
