import { anyDefined, decimal, hasAll, type MetricValues, parseMetrics } from "./metrics.js";

export interface Cvss2Scores {
  baseScore: number;
  /** Undefined when the vector sets no temporal metric (E, RL, RC). */
  temporalScore?: number;
  /** Undefined when the vector sets no environmental metric (CDP, TD, CR, IR, AR). */
  environmentalScore?: number;
}

const BASE_METRICS = ["AV", "AC", "Au", "C", "I", "A"] as const;
const TEMPORAL_METRICS = ["E", "RL", "RC"] as const;
const ENVIRONMENTAL_METRICS = ["CDP", "TD", "CR", "IR", "AR"] as const;

const CIA = ["N", "P", "C"];
const REQUIREMENT = ["L", "M", "H", "ND"];
const ALLOWED: MetricValues = {
  AV: ["L", "A", "N"],
  AC: ["H", "M", "L"],
  Au: ["M", "S", "N"],
  C: CIA,
  I: CIA,
  A: CIA,
  E: ["U", "POC", "F", "H", "ND"],
  RL: ["OF", "TF", "W", "U", "ND"],
  RC: ["UC", "UR", "C", "ND"],
  CDP: ["N", "L", "LM", "MH", "H", "ND"],
  TD: ["N", "L", "M", "H", "ND"],
  CR: REQUIREMENT,
  IR: REQUIREMENT,
  AR: REQUIREMENT,
};

// Weights from the CVSS v2 guide, section 3.2.
const ACCESS_VECTOR: Record<string, number> = { L: 0.395, A: 0.646, N: 1 };
const ACCESS_COMPLEXITY: Record<string, number> = { H: 0.35, M: 0.61, L: 0.71 };
const AUTHENTICATION: Record<string, number> = { M: 0.45, S: 0.56, N: 0.704 };
const IMPACT: Record<string, number> = { N: 0, P: 0.275, C: 0.66 };
const EXPLOITABILITY: Record<string, number> = { U: 0.85, POC: 0.9, F: 0.95, H: 1, ND: 1 };
const REMEDIATION_LEVEL: Record<string, number> = { OF: 0.87, TF: 0.9, W: 0.95, U: 1, ND: 1 };
const REPORT_CONFIDENCE: Record<string, number> = { UC: 0.9, UR: 0.95, C: 1, ND: 1 };
const COLLATERAL_DAMAGE: Record<string, number> = { N: 0, L: 0.1, LM: 0.3, MH: 0.4, H: 0.5, ND: 0 };
const TARGET_DISTRIBUTION: Record<string, number> = { N: 0, L: 0.25, M: 0.75, H: 1, ND: 1 };
const REQUIREMENT_WEIGHT: Record<string, number> = { L: 0.5, M: 1, H: 1.51, ND: 1 };

/** round_to_1_decimal, half up on the decimal value; "+ 0" turns the -0 of a zero impact into 0. */
function round1(value: number): number {
  return Math.round(decimal(value * 10)) / 10 + 0;
}

/** Parses a prefix-less CVSS v2 vector ("AV:N/AC:L/Au:N/C:P/I:P/A:P"); undefined when invalid. */
export function parseCvss2(vector: string): Map<string, string> | undefined {
  const metrics = parseMetrics(vector, ALLOWED);
  if (!metrics || !hasAll(metrics, BASE_METRICS)) return undefined;
  return metrics;
}

/** Base, temporal and environmental scores of a CVSS v2 vector; undefined when invalid. */
export function scoreCvss2(vector: string): Cvss2Scores | undefined {
  const metrics = parseCvss2(vector);
  if (!metrics) return undefined;
  const get = (name: string): string => metrics.get(name) ?? "ND";

  const exploitability =
    20 *
    weight(ACCESS_VECTOR, get("AV")) *
    weight(ACCESS_COMPLEXITY, get("AC")) *
    weight(AUTHENTICATION, get("Au"));
  const base = (impact: number): number =>
    round1((0.6 * impact + 0.4 * exploitability - 1.5) * (impact === 0 ? 0 : 1.176));
  const temporal = (score: number): number =>
    round1(
      score *
        weight(EXPLOITABILITY, get("E")) *
        weight(REMEDIATION_LEVEL, get("RL")) *
        weight(REPORT_CONFIDENCE, get("RC")),
    );

  const c = weight(IMPACT, get("C"));
  const i = weight(IMPACT, get("I"));
  const a = weight(IMPACT, get("A"));
  const baseScore = base(10.41 * (1 - (1 - c) * (1 - i) * (1 - a)));
  const result: Cvss2Scores = { baseScore };
  if (anyDefined(metrics, TEMPORAL_METRICS)) result.temporalScore = temporal(baseScore);
  if (anyDefined(metrics, ENVIRONMENTAL_METRICS)) {
    const adjustedImpact = Math.min(
      10,
      10.41 *
        (1 -
          (1 - c * weight(REQUIREMENT_WEIGHT, get("CR"))) *
            (1 - i * weight(REQUIREMENT_WEIGHT, get("IR"))) *
            (1 - a * weight(REQUIREMENT_WEIGHT, get("AR")))),
    );
    const adjustedTemporal = temporal(base(adjustedImpact));
    result.environmentalScore = round1(
      (adjustedTemporal + (10 - adjustedTemporal) * weight(COLLATERAL_DAMAGE, get("CDP"))) *
        weight(TARGET_DISTRIBUTION, get("TD")),
    );
  }
  return result;
}

function weight(table: Record<string, number>, value: string): number {
  const result = table[value];
  // parseCvss2 has checked every value, so a miss here is a bug in the tables above.
  if (result === undefined) throw new Error(`no CVSS v2 weight for ${value}`);
  return result;
}
