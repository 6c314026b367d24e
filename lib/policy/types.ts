import type { MisconfigurationFinding, SecretFinding } from "../checks/types.js";
import type { SeverityLevel, VulnerabilityFinding } from "../matching/finding.js";

/** Where a suppression came from. */
export type SuppressionSource =
  | "ignore-file" // an entry of .portcullisignore.yaml
  | "vex" // an OpenVEX statement: not_affected or fixed
  | "severity" // below the --severity threshold
  | "unfixed" // --ignore-unfixed and no fixed version exists
  | "repository-policy"; // the server's per-repository policy

export interface Suppression {
  source: SuppressionSource;
  /** Why, in words: the ignore entry's reason, the VEX justification, "below HIGH" ... */
  reason: string;
  /** The file (ignore file, VEX document) the rule came from, when one did. */
  origin?: string;
  /** When the ignore entry stops applying (ISO date), if it has an expiry. */
  expires?: string;
}

/** A finding the policy took out of the report's lists, kept with the reason. */
export type SuppressedFinding =
  | { kind: "vulnerability"; finding: VulnerabilityFinding; suppression: Suppression }
  | { kind: "secret"; finding: SecretFinding; suppression: Suppression }
  | { kind: "misconfiguration"; finding: MisconfigurationFinding; suppression: Suppression };

/** An ignore entry past its expiry: it no longer applies, and the report says so. */
export interface ExpiredIgnore {
  id: string;
  package?: string;
  path?: string;
  reason?: string;
  expires: string;
  origin?: string;
}

/** The gate's verdict: exit code 1 when `result` is "fail". */
export interface PolicyResult {
  result: "pass" | "fail";
  /** The lowest severity that fails the gate, when one was set. */
  failOn?: SeverityLevel;
  /** One line per reason the gate failed, e.g. "2 CRITICAL vulnerabilities". */
  failures: string[];
  suppressed: SuppressedFinding[];
  expiredIgnores: ExpiredIgnore[];
}
