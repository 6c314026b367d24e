import { scoreCvss2 } from "./cvss2.js";
import { scoreCvss3 } from "./cvss3.js";
import { scoreCvss4 } from "./cvss4.js";
import { type CvssSeverity, type CvssVersion, severityFromScore } from "./severity.js";

export type { Cvss2Scores } from "./cvss2.js";
export { parseCvss2, scoreCvss2 } from "./cvss2.js";
export type { Cvss3Scores, Cvss3Version } from "./cvss3.js";
export { parseCvss3, scoreCvss3 } from "./cvss3.js";
export type { Cvss4Scores } from "./cvss4.js";
export { parseCvss4, scoreCvss4 } from "./cvss4.js";
export type { CvssSeverity, CvssVersion } from "./severity.js";
export { severityFromScore } from "./severity.js";

export interface CvssScore {
  version: CvssVersion;
  baseScore: number;
  /** Rating of `score`, the most specific score. */
  severity: CvssSeverity;
  /** Rating of `baseScore`. */
  baseSeverity: CvssSeverity;
  /** The most specific score the vector supports: environmental > temporal (v4: threat) > base. */
  score: number;
}

/**
 * Scores any CVSS vector: "CVSS:3.0/", "CVSS:3.1/", "CVSS:4.0/" or a prefix-less v2 vector.
 * Undefined for anything malformed; never throws, because vectors come from untrusted advisory data.
 */
export function scoreVector(vector: string): CvssScore | undefined {
  try {
    return score(vector.trim());
  } catch {
    return undefined;
  }
}

function score(vector: string): CvssScore | undefined {
  if (vector.startsWith("CVSS:4.0/")) {
    const scores = scoreCvss4(vector);
    return scores && result("4.0", scores.baseScore, scores.score);
  }
  if (vector.startsWith("CVSS:3.")) {
    const scores = scoreCvss3(vector);
    if (!scores) return undefined;
    let most = scores.baseScore;
    if (scores.hasEnvironmental) most = scores.environmentalScore;
    else if (scores.hasTemporal) most = scores.temporalScore;
    return result(scores.version, scores.baseScore, most);
  }
  // Any other prefix (CVSS:2.0/, CVSS:3.2/, ...) is not a form the specifications define.
  if (vector.startsWith("CVSS:")) return undefined;
  const scores = scoreCvss2(vector);
  if (!scores) return undefined;
  return result(
    "2.0",
    scores.baseScore,
    scores.environmentalScore ?? scores.temporalScore ?? scores.baseScore,
  );
}

function result(version: CvssVersion, baseScore: number, most: number): CvssScore {
  return {
    version,
    baseScore,
    severity: severityFromScore(most, version),
    baseSeverity: severityFromScore(baseScore, version),
    score: most,
  };
}
