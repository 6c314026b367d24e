import type { CheckSeverity } from "../types.js";

const RANK: Record<CheckSeverity, number> = { LOW: 0, MEDIUM: 1, HIGH: 2, CRITICAL: 3 };

/** The most severe of the given severities. */
export function maxSeverity(first: CheckSeverity, ...rest: CheckSeverity[]): CheckSeverity {
  return rest.reduce((worst, next) => (RANK[next] > RANK[worst] ? next : worst), first);
}
