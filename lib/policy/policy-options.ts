import { z } from "zod";
import { SEVERITY_LEVELS, type SeverityLevel } from "../matching/finding.js";
import type { IgnoreRule } from "./ignore-rule.js";
import type { VexStatementSet } from "./openvex.js";

/** What the gate applies to one scan report; every field is optional and off by default. */
export interface PolicyOptions {
  /** Keep only findings of these severities (--severity); the rest are suppressed. */
  severities?: SeverityLevel[];
  /** Fail when any remaining finding is this severe or more (--fail-on). */
  failOn?: SeverityLevel;
  /** Suppress vulnerabilities that have no fixed version (--ignore-unfixed). */
  ignoreUnfixed?: boolean;
  /** Ignore-file entries and per-repository ignore entries. */
  ignores?: IgnoreRule[];
  /** OpenVEX statements (--vex). */
  vex?: VexStatementSet;
}

export { SEVERITY_LEVELS };

/** Higher is more severe: CRITICAL 5 ... NEGLIGIBLE 1, UNKNOWN 0. */
export function severityRank(level: SeverityLevel): number {
  return SEVERITY_LEVELS.length - 1 - SEVERITY_LEVELS.indexOf(level);
}

/** Sorts most severe first, for stable output. */
export function compareSeverity(a: SeverityLevel, b: SeverityLevel): number {
  return severityRank(b) - severityRank(a);
}

/**
 * True when a finding of `level` trips a gate set at `failOn`. UNKNOWN means nobody rated the flaw,
 * not that it is harmless, but treating it as HIGH would fail most gates on unrated noise; so an
 * UNKNOWN finding fails only a gate that already takes everything below LOW (NEGLIGIBLE or UNKNOWN).
 */
export function meetsFailOn(level: SeverityLevel, failOn: SeverityLevel): boolean {
  if (level === "UNKNOWN") return failOn === "NEGLIGIBLE" || failOn === "UNKNOWN";
  return severityRank(level) >= severityRank(failOn);
}

/** Accepts "high", "High", "HIGH" (flags and config files are typed by people). */
export const severitySchema = z
  .string()
  .transform((s) => s.trim().toUpperCase())
  .pipe(z.enum(SEVERITY_LEVELS as [SeverityLevel, ...SeverityLevel[]]));

/** Parses one severity name, e.g. a --fail-on value; undefined when it is not one. */
export function parseSeverity(text: string): SeverityLevel | undefined {
  const result = severitySchema.safeParse(text);
  return result.success ? result.data : undefined;
}

/** Parses a comma-separated --severity list ("HIGH,CRITICAL"); undefined when any name is wrong. */
export function parseSeverityList(text: string): SeverityLevel[] | undefined {
  const levels: SeverityLevel[] = [];
  for (const part of text.split(",")) {
    if (part.trim() === "") continue;
    const level = parseSeverity(part);
    if (!level) return undefined;
    if (!levels.includes(level)) levels.push(level);
  }
  return levels.length > 0 ? levels : undefined;
}
