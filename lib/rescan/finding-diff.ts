import type { VulnerabilityFinding } from "../matching/finding.js";
import { vulnerabilityKey } from "../report/finding-identity.js";

export interface FindingDiff {
  /** In the new match, not open before: what the notifier announces. */
  added: VulnerabilityFinding[];
  /** Open before, gone from the new match (fixed range moved, advisory withdrawn). */
  resolved: VulnerabilityFinding[];
}

/** Compares by finding identity (id + package + file), the same identity putScan keeps items by. */
export function diffFindings(
  before: readonly VulnerabilityFinding[],
  after: readonly VulnerabilityFinding[],
): FindingDiff {
  const was = new Set(before.map(vulnerabilityKey));
  const now = new Set(after.map(vulnerabilityKey));
  return {
    added: dedupe(after.filter((f) => !was.has(vulnerabilityKey(f)))),
    resolved: dedupe(before.filter((f) => !now.has(vulnerabilityKey(f)))),
  };
}

function dedupe(findings: VulnerabilityFinding[]): VulnerabilityFinding[] {
  return [...new Map(findings.map((f) => [vulnerabilityKey(f), f])).values()];
}
