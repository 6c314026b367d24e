import type { OperatingSystem, Package } from "../inventory/package.js";
import { comparatorFor } from "../versions/index.js";
import { scoreVector } from "../vulndb/cvss/index.js";
import { SEVERITY_LEVELS, type VulnerabilityFinding } from "./finding.js";
import { type AdvisoryLookup, matchPackages } from "./match-packages.js";

/** The inventory against the DB with every ecosystem's comparator and the CVSS calculators. */
export async function findVulnerabilities(
  packages: readonly Package[],
  os: OperatingSystem | undefined,
  db: AdvisoryLookup,
): Promise<{ findings: VulnerabilityFinding[]; warnings: string[] }> {
  const { findings, warnings } = await matchPackages(packages, os, db, {
    comparatorFor: (ecosystem) => comparatorFor(ecosystem)?.compare,
    scoreVector: (vector) => {
      const scored = scoreVector(vector);
      return scored ? { score: scored.score, severity: scored.severity } : undefined;
    },
  });
  // Most severe first, then by package and id: the order people read a report in.
  findings.sort(
    (a, b) =>
      SEVERITY_LEVELS.indexOf(a.severity.level) - SEVERITY_LEVELS.indexOf(b.severity.level) ||
      cmp(a.package.name, b.package.name) ||
      cmp(a.id, b.id),
  );
  return { findings, warnings };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
