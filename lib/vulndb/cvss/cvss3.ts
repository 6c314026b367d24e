import { anyDefined, decimal, hasAll, type MetricValues, parseMetrics } from "./metrics.js";

export type Cvss3Version = "3.0" | "3.1";

export interface Cvss3Scores {
  version: Cvss3Version;
  baseScore: number;
  temporalScore: number;
  environmentalScore: number;
  /** Whether the vector sets any temporal / environmental metric (other than X). */
  hasTemporal: boolean;
  hasEnvironmental: boolean;
}

const BASE_METRICS = ["AV", "AC", "PR", "UI", "S", "C", "I", "A"] as const;
const TEMPORAL_METRICS = ["E", "RL", "RC"] as const;
const ENVIRONMENTAL_METRICS = ["CR", "IR", "AR", "MAV", "MAC", "MPR", "MUI", "MS", "MC", "MI", "MA"] as const;

const CIA = ["H", "L", "N"];
const REQUIREMENT = ["X", "H", "M", "L"];
const ALLOWED: MetricValues = {
  AV: ["N", "A", "L", "P"],
  AC: ["L", "H"],
  PR: ["N", "L", "H"],
  UI: ["N", "R"],
  S: ["U", "C"],
  C: CIA,
  I: CIA,
  A: CIA,
  E: ["X", "H", "F", "P", "U"],
  RL: ["X", "O", "T", "W", "U"],
  RC: ["X", "U", "R", "C"],
  CR: REQUIREMENT,
  IR: REQUIREMENT,
  AR: REQUIREMENT,
  MAV: ["X", "N", "A", "L", "P"],
  MAC: ["X", "L", "H"],
  MPR: ["X", "N", "L", "H"],
  MUI: ["X", "N", "R"],
  MS: ["X", "U", "C"],
  MC: ["X", ...CIA],
  MI: ["X", ...CIA],
  MA: ["X", ...CIA],
};

// Numeric weights from the v3.0 / v3.1 specification section 7.4 (identical in both versions).
const ATTACK_VECTOR: Record<string, number> = { N: 0.85, A: 0.62, L: 0.55, P: 0.2 };
const ATTACK_COMPLEXITY: Record<string, number> = { L: 0.77, H: 0.44 };
const PRIVILEGES_UNCHANGED: Record<string, number> = { N: 0.85, L: 0.62, H: 0.27 };
const PRIVILEGES_CHANGED: Record<string, number> = { N: 0.85, L: 0.68, H: 0.5 };
const USER_INTERACTION: Record<string, number> = { N: 0.85, R: 0.62 };
const IMPACT: Record<string, number> = { H: 0.56, L: 0.22, N: 0 };
const EXPLOIT_MATURITY: Record<string, number> = { X: 1, H: 1, F: 0.97, P: 0.94, U: 0.91 };
const REMEDIATION_LEVEL: Record<string, number> = { X: 1, U: 1, W: 0.97, T: 0.96, O: 0.95 };
const REPORT_CONFIDENCE: Record<string, number> = { X: 1, C: 1, R: 0.96, U: 0.92 };
const SECURITY_REQUIREMENT: Record<string, number> = { X: 1, H: 1.5, M: 1, L: 0.5 };

/**
 * v3.0 "round up": the smallest number with one decimal that is >= the input, taken on the decimal
 * value so that float noise (a product landing at 4.000000000000001) does not add 0.1.
 */
function roundUp30(value: number): number {
  return Math.ceil(decimal(value * 10)) / 10;
}

/**
 * v3.1 Roundup (spec Appendix A): works on an integer of 1e5 times the input so that float noise such
 * as 4.000000000000001 does not round up to 4.1, which v3.0's plain ceiling does.
 */
function roundUp31(value: number): number {
  const scaled = Math.round(value * 100_000);
  if (scaled % 10_000 === 0) return scaled / 100_000;
  return (Math.floor(scaled / 10_000) + 1) / 10;
}

/** Parses a "CVSS:3.0/..." or "CVSS:3.1/..." vector; undefined when it is not valid. */
export function parseCvss3(
  vector: string,
): { version: Cvss3Version; metrics: Map<string, string> } | undefined {
  const match = /^CVSS:(3\.[01])\/(.+)$/.exec(vector);
  if (!match) return undefined;
  const metrics = parseMetrics(match[2] as string, ALLOWED);
  if (!metrics || !hasAll(metrics, BASE_METRICS)) return undefined;
  return { version: match[1] as Cvss3Version, metrics };
}

/** Base, temporal and environmental scores of a CVSS v3.0 / v3.1 vector; undefined when invalid. */
export function scoreCvss3(vector: string): Cvss3Scores | undefined {
  const parsed = parseCvss3(vector);
  if (!parsed) return undefined;
  const { version, metrics } = parsed;
  const roundUp = version === "3.0" ? roundUp30 : roundUp31;
  const get = (name: string): string => metrics.get(name) ?? "X";
  // A modified metric that is absent or X takes the base metric's value.
  const modified = (name: string): string => {
    const value = get(`M${name}`);
    return value === "X" ? get(name) : value;
  };

  const changed = get("S") === "C";
  const iss =
    1 - (1 - weight(IMPACT, get("C"))) * (1 - weight(IMPACT, get("I"))) * (1 - weight(IMPACT, get("A")));
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 : 6.42 * iss;
  const exploitability =
    8.22 *
    weight(ATTACK_VECTOR, get("AV")) *
    weight(ATTACK_COMPLEXITY, get("AC")) *
    weight(changed ? PRIVILEGES_CHANGED : PRIVILEGES_UNCHANGED, get("PR")) *
    weight(USER_INTERACTION, get("UI"));
  let baseScore = 0;
  if (impact > 0) {
    baseScore = changed
      ? roundUp(Math.min(1.08 * (impact + exploitability), 10))
      : roundUp(Math.min(impact + exploitability, 10));
  }

  // Multiplied left to right as the specification writes it, so float results match reference tools.
  const temporal = (score: number): number =>
    score *
    weight(EXPLOIT_MATURITY, get("E")) *
    weight(REMEDIATION_LEVEL, get("RL")) *
    weight(REPORT_CONFIDENCE, get("RC"));
  const temporalScore = roundUp(temporal(baseScore));

  const modifiedChanged = modified("S") === "C";
  const miss = Math.min(
    1 -
      (1 - weight(SECURITY_REQUIREMENT, get("CR")) * weight(IMPACT, modified("C"))) *
        (1 - weight(SECURITY_REQUIREMENT, get("IR")) * weight(IMPACT, modified("I"))) *
        (1 - weight(SECURITY_REQUIREMENT, get("AR")) * weight(IMPACT, modified("A"))),
    0.915,
  );
  let modifiedImpact = 6.42 * miss;
  if (modifiedChanged) {
    // v3.1 changed the scope-changed modified impact term (spec 3.1 section 7.3, "0.9731" and "13").
    modifiedImpact =
      version === "3.0"
        ? 7.52 * (miss - 0.029) - 3.25 * (miss - 0.02) ** 15
        : 7.52 * (miss - 0.029) - 3.25 * (miss * 0.9731 - 0.02) ** 13;
  }
  const modifiedExploitability =
    8.22 *
    weight(ATTACK_VECTOR, modified("AV")) *
    weight(ATTACK_COMPLEXITY, modified("AC")) *
    weight(modifiedChanged ? PRIVILEGES_CHANGED : PRIVILEGES_UNCHANGED, modified("PR")) *
    weight(USER_INTERACTION, modified("UI"));
  let environmentalScore = 0;
  if (modifiedImpact > 0) {
    const sum = modifiedChanged
      ? Math.min(1.08 * (modifiedImpact + modifiedExploitability), 10)
      : Math.min(modifiedImpact + modifiedExploitability, 10);
    environmentalScore = roundUp(temporal(roundUp(sum)));
  }

  return {
    version,
    baseScore,
    temporalScore,
    environmentalScore,
    hasTemporal: anyDefined(metrics, TEMPORAL_METRICS),
    hasEnvironmental: anyDefined(metrics, ENVIRONMENTAL_METRICS),
  };
}

function weight(table: Record<string, number>, value: string): number {
  const result = table[value];
  // parseCvss3 has checked every value, so a miss here is a bug in the tables above.
  if (result === undefined) throw new Error(`no CVSS v3 weight for ${value}`);
  return result;
}
