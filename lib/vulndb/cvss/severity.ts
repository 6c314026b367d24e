export type CvssVersion = "2.0" | "3.0" | "3.1" | "4.0";
export type CvssSeverity = "None" | "Low" | "Medium" | "High" | "Critical";

/**
 * Qualitative severity rating. CVSS v3.x and v4.0 share one scale (v3.1 spec section 5, v4.0 spec
 * section 6); CVSS v2 has no rating in its specification, so the NVD's v2 ranges are used (no None
 * and no Critical: 0.0-3.9 Low, 4.0-6.9 Medium, 7.0-10.0 High).
 */
export function severityFromScore(score: number, version: CvssVersion): CvssSeverity {
  if (version === "2.0") {
    if (score < 4) return "Low";
    return score < 7 ? "Medium" : "High";
  }
  if (score === 0) return "None";
  if (score < 4) return "Low";
  if (score < 7) return "Medium";
  return score < 9 ? "High" : "Critical";
}
