import type { SeverityCounts } from "../../lib/dashboard/api-contract.js";
import { findingRisk } from "../../lib/dashboard/image-risk.js";
import { apiSeverity } from "../../lib/dashboard/summary-counts.js";
import type { SeededImage } from "../helpers/dashboard-seed.js";

/** What the dashboard should answer about a seeded fleet, computed from the seed, not the store. */
export function openCountsOf(images: readonly SeededImage[]): SeverityCounts {
  const open: SeverityCounts = {};
  for (const image of images)
    for (const f of image.findings) {
      const level = apiSeverity(f.severity.level);
      open[level] = (open[level] ?? 0) + 1;
    }
  return open;
}

export function riskOf(image: SeededImage): number {
  return image.findings.reduce((n, f) => n + findingRisk(f), 0);
}

/** Vulnerability id → image keys with it open. */
export function imagesByVulnerability(images: readonly SeededImage[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const image of images)
    for (const f of image.findings) {
      const keys = out.get(f.id) ?? new Set<string>();
      out.set(f.id, keys);
      keys.add(image.imageKey);
    }
  return out;
}
