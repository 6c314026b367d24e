import { MACRO_VECTOR_SCORES } from "./cvss4-macrovector-scores.js";
import { anyDefined, hasAll, type MetricValues, parseMetrics } from "./metrics.js";

export interface Cvss4Scores {
  /** CVSS-B: the base metrics alone. */
  baseScore: number;
  /** CVSS-B, -BT, -BE or -BTE: every metric in the vector (supplemental metrics never count). */
  score: number;
  /** The six-digit EQ1..EQ6 MacroVector of the full vector. */
  macroVector: string;
  hasThreat: boolean;
  hasEnvironmental: boolean;
}

type Metrics = ReadonlyMap<string, string>;

const BASE_METRICS = ["AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA"] as const;
const ENVIRONMENTAL_METRICS = [
  "CR",
  "IR",
  "AR",
  "MAV",
  "MAC",
  "MAT",
  "MPR",
  "MUI",
  "MVC",
  "MVI",
  "MVA",
  "MSC",
  "MSI",
  "MSA",
] as const;

const IMPACT = ["H", "L", "N"];
const REQUIREMENT = ["X", "H", "M", "L"];
// Values from the v4.0 specification, section 7 (vector string) and the metric tables.
const ALLOWED: MetricValues = {
  AV: ["N", "A", "L", "P"],
  AC: ["L", "H"],
  AT: ["N", "P"],
  PR: ["N", "L", "H"],
  UI: ["N", "P", "A"],
  VC: IMPACT,
  VI: IMPACT,
  VA: IMPACT,
  SC: IMPACT,
  SI: IMPACT,
  SA: IMPACT,
  E: ["X", "A", "P", "U"],
  CR: REQUIREMENT,
  IR: REQUIREMENT,
  AR: REQUIREMENT,
  MAV: ["X", "N", "A", "L", "P"],
  MAC: ["X", "L", "H"],
  MAT: ["X", "N", "P"],
  MPR: ["X", "N", "L", "H"],
  MUI: ["X", "N", "P", "A"],
  MVC: ["X", ...IMPACT],
  MVI: ["X", ...IMPACT],
  MVA: ["X", ...IMPACT],
  MSC: ["X", ...IMPACT],
  // Only the subsequent-system integrity and availability can be raised to Safety.
  MSI: ["X", "S", ...IMPACT],
  MSA: ["X", "S", ...IMPACT],
  S: ["X", "N", "P"],
  AU: ["X", "N", "Y"],
  R: ["X", "A", "U", "I"],
  V: ["X", "D", "C"],
  RE: ["X", "L", "M", "H"],
  U: ["X", "Clear", "Green", "Amber", "Red"],
};

/** Parses a "CVSS:4.0/..." vector (metric order not enforced); undefined when it is not valid. */
export function parseCvss4(vector: string): Metrics | undefined {
  if (!vector.startsWith("CVSS:4.0/")) return undefined;
  const metrics = parseMetrics(vector.slice("CVSS:4.0/".length), ALLOWED);
  if (!metrics || !hasAll(metrics, BASE_METRICS)) return undefined;
  return metrics;
}

/** Scores a CVSS v4.0 vector; undefined when invalid. */
export function scoreCvss4(vector: string): Cvss4Scores | undefined {
  const metrics = parseCvss4(vector);
  if (!metrics) return undefined;
  const base = new Map(BASE_METRICS.map((name) => [name, metrics.get(name) as string]));
  return {
    baseScore: scoreMetrics(base),
    score: scoreMetrics(metrics),
    macroVector: macroVector(effective(metrics)),
    hasThreat: anyDefined(metrics, ["E"]),
    hasEnvironmental: anyDefined(metrics, ENVIRONMENTAL_METRICS),
  };
}

/** The MacroVector ("EQ1..EQ6" digits) of a valid vector, exported for the data-table test. */
export function macroVectorOf(vector: string): string | undefined {
  const metrics = parseCvss4(vector);
  return metrics ? macroVector(effective(metrics)) : undefined;
}

type Effective = (name: string) => string;

/**
 * The value that scoring uses: a modified metric overrides its base metric, and an undefined threat
 * or security requirement counts as its worst case (E:A, CR/IR/AR:H), as the specification requires.
 */
function effective(metrics: Metrics): Effective {
  return (name) => {
    const value = metrics.get(name) ?? "X";
    if (name === "E") return value === "X" ? "A" : value;
    if (name === "CR" || name === "IR" || name === "AR") return value === "X" ? "H" : value;
    const modified = metrics.get(`M${name}`);
    return modified !== undefined && modified !== "X" ? modified : value;
  };
}

const EXPLOIT_MATURITY_LEVEL: Readonly<Record<string, number>> = { A: 0, P: 1, U: 2 };

/** The equivalence classes of specification section 8.2 (table 24 and 25). */
function macroVector(m: Effective): string {
  const av = m("AV");
  const pr = m("PR");
  const ui = m("UI");
  let eq1 = 2;
  if (av === "N" && pr === "N" && ui === "N") eq1 = 0;
  else if ((av === "N" || pr === "N" || ui === "N") && av !== "P") eq1 = 1;

  const eq2 = m("AC") === "L" && m("AT") === "N" ? 0 : 1;

  const vc = m("VC");
  const vi = m("VI");
  const va = m("VA");
  let eq3 = 2;
  if (vc === "H" && vi === "H") eq3 = 0;
  else if (vc === "H" || vi === "H" || va === "H") eq3 = 1;

  let eq4 = 2;
  if (m("SI") === "S" || m("SA") === "S") eq4 = 0;
  else if (m("SC") === "H" || m("SI") === "H" || m("SA") === "H") eq4 = 1;

  const eq5 = EXPLOIT_MATURITY_LEVEL[m("E")] ?? 0;

  const eq6 =
    (m("CR") === "H" && vc === "H") || (m("IR") === "H" && vi === "H") || (m("AR") === "H" && va === "H")
      ? 0
      : 1;

  return `${eq1}${eq2}${eq3}${eq4}${eq5}${eq6}`;
}

// Severity levels per metric value used to measure the distance from a highest-severity vector
// (FIRST reference implementation cvss_score.js; SC starts at 0.1 there because SI/SA have S).
const LEVELS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  AV: { N: 0, A: 0.1, L: 0.2, P: 0.3 },
  PR: { N: 0, L: 0.1, H: 0.2 },
  UI: { N: 0, P: 0.1, A: 0.2 },
  AC: { L: 0, H: 0.1 },
  AT: { N: 0, P: 0.1 },
  VC: { H: 0, L: 0.1, N: 0.2 },
  VI: { H: 0, L: 0.1, N: 0.2 },
  VA: { H: 0, L: 0.1, N: 0.2 },
  SC: { H: 0.1, L: 0.2, N: 0.3 },
  SI: { S: 0, H: 0.1, L: 0.2, N: 0.3 },
  SA: { S: 0, H: 0.1, L: 0.2, N: 0.3 },
  CR: { H: 0, M: 0.1, L: 0.2 },
  IR: { H: 0, M: 0.1, L: 0.2 },
  AR: { H: 0, M: 0.1, L: 0.2 },
};

type Partial = Readonly<Record<string, string>>;

function vectors(...texts: string[]): Partial[] {
  return texts.map((text) =>
    Object.fromEntries(text.split("/").map((part) => part.split(":") as [string, string])),
  );
}

// The highest-severity vectors of every EQ level (reference implementation max_composed.js).
const MAX_EQ1: readonly Partial[][] = [
  vectors("AV:N/PR:N/UI:N"),
  vectors("AV:A/PR:N/UI:N", "AV:N/PR:L/UI:N", "AV:N/PR:N/UI:P"),
  vectors("AV:P/PR:N/UI:N", "AV:A/PR:L/UI:P"),
];
const MAX_EQ2: readonly Partial[][] = [vectors("AC:L/AT:N"), vectors("AC:H/AT:N", "AC:L/AT:P")];
// Indexed by EQ3 then EQ6, which the specification scores jointly.
const MAX_EQ3_EQ6: readonly (readonly Partial[][])[] = [
  [
    vectors("VC:H/VI:H/VA:H/CR:H/IR:H/AR:H"),
    vectors("VC:H/VI:H/VA:L/CR:M/IR:M/AR:H", "VC:H/VI:H/VA:H/CR:M/IR:M/AR:M"),
  ],
  [
    vectors("VC:L/VI:H/VA:H/CR:H/IR:H/AR:H", "VC:H/VI:L/VA:H/CR:H/IR:H/AR:H"),
    vectors(
      "VC:L/VI:H/VA:L/CR:H/IR:M/AR:H",
      "VC:L/VI:H/VA:H/CR:H/IR:M/AR:M",
      "VC:H/VI:L/VA:H/CR:M/IR:H/AR:M",
      "VC:H/VI:L/VA:L/CR:M/IR:H/AR:H",
      "VC:L/VI:L/VA:H/CR:H/IR:H/AR:M",
    ),
  ],
  [[], vectors("VC:L/VI:L/VA:L/CR:H/IR:H/AR:H")],
];
const MAX_EQ4: readonly Partial[][] = [
  vectors("SC:H/SI:S/SA:S"),
  vectors("SC:H/SI:H/SA:H"),
  vectors("SC:L/SI:L/SA:L"),
];

// Depth of each MacroVector in severity steps of 0.1 (reference implementation max_severity.js).
const DEPTH_EQ1 = [1, 4, 5];
const DEPTH_EQ2 = [1, 2];
const DEPTH_EQ3_EQ6 = [
  [7, 6],
  [8, 8],
  [Number.NaN, 10],
];
const DEPTH_EQ4 = [6, 5, 4];

const STEP = 0.1;
// Lifts x.x5 results that float arithmetic leaves one ULP short of the tie, as the reference does.
const EPSILON = 1e-6;

function lookup(eqs: readonly number[]): number | undefined {
  return MACRO_VECTOR_SCORES[eqs.join("")];
}

/** Specification section 8.3: MacroVector score minus the mean proportional severity distance. */
function scoreMetrics(metrics: Metrics): number {
  const m = effective(metrics);
  // No impact on either system scores 0 whatever the exploitability.
  if (["VC", "VI", "VA", "SC", "SI", "SA"].every((name) => m(name) === "N")) return 0;

  const mv = macroVector(m);
  const eqs = [...mv].map(Number) as [number, number, number, number, number, number];
  const [eq1, eq2, eq3, eq4, , eq6] = eqs;
  const value = lookup(eqs);
  if (value === undefined) throw new Error(`no CVSS v4 MacroVector score for ${mv}`);

  const lower = (index: number): number | undefined =>
    lookup(eqs.map((eq, i) => (i === index ? eq + 1 : eq)));
  // EQ3 and EQ6 move together: 00 can lower to 01 or 10 (take the higher), 01 and 11 lower EQ3, 10 lowers EQ6.
  let lowerEq3Eq6: number | undefined;
  if (eq3 === 0 && eq6 === 0) {
    const candidates = [lower(5), lower(2)].filter((score) => score !== undefined);
    lowerEq3Eq6 = candidates.length > 0 ? Math.max(...candidates) : undefined;
  } else if (eq3 === 1 && eq6 === 0) {
    lowerEq3Eq6 = lower(5);
  } else if (eq6 === 1 && eq3 < 2) {
    lowerEq3Eq6 = lower(2);
  }

  // The first composed highest-severity vector that the scored vector does not exceed on any metric.
  const candidates: Partial[] = [];
  for (const a of MAX_EQ1[eq1] ?? [])
    for (const b of MAX_EQ2[eq2] ?? [])
      for (const c of MAX_EQ3_EQ6[eq3]?.[eq6] ?? [])
        for (const d of MAX_EQ4[eq4] ?? []) candidates.push({ ...a, ...b, ...c, ...d });
  let distance: Record<string, number> = {};
  for (const candidate of candidates) {
    distance = {};
    for (const name of Object.keys(LEVELS)) {
      const levels = LEVELS[name] as Record<string, number>;
      distance[name] = (levels[m(name)] as number) - (levels[candidate[name] as string] as number);
    }
    // If none qualifies the reference keeps the last candidate's distances; so does this loop.
    if (Object.values(distance).every((d) => d >= 0)) break;
  }
  const d = (name: string): number => distance[name] ?? 0;

  const parts: [number | undefined, number][] = [
    [lower(0), (d("AV") + d("PR") + d("UI")) / ((DEPTH_EQ1[eq1] as number) * STEP)],
    [lower(1), (d("AC") + d("AT")) / ((DEPTH_EQ2[eq2] as number) * STEP)],
    [
      lowerEq3Eq6,
      (d("VC") + d("VI") + d("VA") + d("CR") + d("IR") + d("AR")) /
        ((DEPTH_EQ3_EQ6[eq3]?.[eq6] as number) * STEP),
    ],
    [lower(3), (d("SC") + d("SI") + d("SA")) / ((DEPTH_EQ4[eq4] as number) * STEP)],
    // EQ5 (exploit maturity) has a single value per level, so its proportion is always 0.
    [lower(4), 0],
  ];
  let total = 0;
  let existing = 0;
  for (const [lowerScore, proportion] of parts) {
    // A MacroVector with no lower neighbour in this EQ does not take part in the mean.
    if (lowerScore === undefined) continue;
    existing += 1;
    total += (value - lowerScore) * proportion;
  }
  const mean = existing === 0 ? 0 : total / existing;
  const result = Math.min(10, Math.max(0, value - mean));
  return Math.round((result + EPSILON) * 10) / 10;
}
