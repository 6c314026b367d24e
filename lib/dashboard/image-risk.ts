/**
 * How risky an image is, as one number the images list sorts by: severity-weighted open findings,
 * tripled for a vulnerability on CISA's KEV list and half again for one with a fix available (a
 * fix that exists and is not applied is the cheapest risk to remove). Integers, so the store can
 * ADD and subtract contributions exactly.
 */
const WEIGHTS: Record<string, number> = { CRITICAL: 100, HIGH: 20, MEDIUM: 5, LOW: 1 };

export interface RiskInput {
  severity: { level: string };
  kev?: boolean;
  fixedVersions: readonly string[];
}

export function findingRisk(finding: RiskInput): number {
  const weight = WEIGHTS[finding.severity.level] ?? 0;
  // Base doubled, so "half again" stays an integer: ×2 plain, ×3 fixable.
  return weight * (finding.kev === true ? 3 : 1) * (finding.fixedVersions.length > 0 ? 3 : 2);
}

export function totalRisk(findings: Iterable<RiskInput>): number {
  let risk = 0;
  for (const finding of findings) risk += findingRisk(finding);
  return risk;
}
