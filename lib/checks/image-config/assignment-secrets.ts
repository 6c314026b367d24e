import type { CheckSeverity } from "../types.js";
import { isCredentialName, isLiteralValue, isReferenceName } from "./credential-names.js";
import type { FindSecrets } from "./input.js";
import { maskValue } from "./mask.js";
import { maxSeverity } from "./severity.js";

/** A NAME=value pair that holds a credential, reduced to what may be shown. */
export interface AssignmentSecret {
  name: string;
  /** The value masked: the secret rule's mask, or ours when only the name gave it away. */
  masked: string;
  /** Ids of the secret rules that matched (empty when only the name did). */
  ruleIds: string[];
  severity: CheckSeverity;
}

/**
 * Decides whether NAME=value stores a credential: a secret rule matches it, or the name says
 * "password"/"token"… and the value is a literal. References (*_FILE, paths, $VAR) and empty
 * values are how credentials should be passed, so they never count.
 */
export function assignmentSecret(name: string, value: string, findSecrets: FindSecrets): AssignmentSecret | undefined {
  if (isReferenceName(name) || !isLiteralValue(value)) return undefined;
  const matches = findSecrets(`${name}=${value}`);
  const first = matches[0];
  if (first !== undefined) {
    return {
      name,
      masked: first.match,
      ruleIds: [...new Set(matches.map((match) => match.ruleId))],
      severity: maxSeverity("HIGH", ...matches.map((match) => match.severity)),
    };
  }
  if (!isCredentialName(name)) return undefined;
  return { name, masked: maskValue(value), ruleIds: [], severity: "HIGH" };
}

/** "DB_PASSWORD=********" or "AWS_ACCESS_KEY_ID=AKIA**** (aws-access-key-id)". */
export function describeAssignmentSecret(secret: AssignmentSecret): string {
  const rules = secret.ruleIds.length > 0 ? ` (${secret.ruleIds.join(", ")})` : "";
  return `${secret.name}=${secret.masked}${rules}`;
}
