import type { ScanReport } from "../report/scan-report.js";
import { dbInfo } from "../vulndb/db/db-info.js";
import type { VulnDb } from "../vulndb/db/db-reader.js";
import { findVulnerabilities } from "./find-vulnerabilities.js";

/** A DB older than this still answers, with a warning in the report. */
export const STALE_AFTER_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Matches a report's inventory (from an image or an SBOM) against the DB and returns the report
 * with its findings, the DB it used, and a warning when that DB is stale.
 */
export async function addVulnerabilities(
  report: ScanReport,
  db: VulnDb,
  now: Date = new Date(),
): Promise<ScanReport> {
  const { findings, warnings } = await findVulnerabilities(report.packages, report.os, db);
  const info = dbInfo(db, { now, staleAfterMs: STALE_AFTER_MS });
  const extra = warnings.map((message) => ({ code: "matching", message }));
  if (info.stale) {
    const days = Math.floor(info.ageMs / 86_400_000);
    extra.push({
      code: "db-stale",
      message: `the vulnerability DB was built ${days} days ago (${info.builtAt}); run \`portcullis db update\``,
    });
  }
  return {
    ...report,
    vulnerabilities: findings,
    vulnerabilityDb: { builtAt: info.builtAt, stale: info.stale },
    warnings: [...report.warnings, ...extra],
  };
}
