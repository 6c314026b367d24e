import type { CheckSeverity } from "../types.js";
import { isCredentialName, isLiteralValue, isReferenceName } from "./credential-names.js";
import type { FindSecrets } from "./input.js";
import { MASKED } from "./mask.js";
import { maxSeverity } from "./severity.js";

/** "scheme://user:password@": keeps "scheme://user:" for the evidence. */
const URL_WITH_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:)[^\s/@]+@/i;

/** A NAME=value pair that holds a credential, reduced to what may be shown. */
export interface AssignmentSecret {
  name: string;
  /** The value masked: the secret rule's mask, or ours when only the name gave it away. */
  masked: string;
  /** Ids of the secret rules that matched (empty when only the name did). */
  ruleIds: string[];
  /** Fingerprints of the rule matches, so a caller can tell the same secret found twice. */
  fingerprints: string[];
  severity: CheckSeverity;
}

/**
 * Decides whether NAME=value stores a credential: a secret rule matches it, the value is a URL
 * with a password, or the name says "password"/"token"… and the value is a literal. References
 * (*_FILE, *_PATH, paths, $VAR) and empty values are how credentials should be passed: never counted.
 */
export function assignmentSecret(
  name: string,
  value: string,
  findSecrets: FindSecrets,
): AssignmentSecret | undefined {
  if (isReferenceName(name) || !isLiteralValue(value)) return undefined;
  const matches = findSecrets(`${name}=${value}`);
  const first = matches[0];
  if (first !== undefined) {
    return {
      name,
      masked: first.match,
      ruleIds: [...new Set(matches.map((match) => match.ruleId))],
      fingerprints: matches.map((match) => match.fingerprint),
      severity: maxSeverity("HIGH", ...matches.map((match) => match.severity)),
    };
  }
  // DATABASE_URL=postgres://app:pw@db/app and proxy settings carry a password whatever the name.
  const url = URL_WITH_PASSWORD.exec(value);
  if (url !== null)
    return { name, masked: `${url[1]}****@…`, ruleIds: [], fingerprints: [], severity: "HIGH" };
  if (!isCredentialName(name)) return undefined;
  return { name, masked: MASKED, ruleIds: [], fingerprints: [], severity: "HIGH" };
}

/** "DB_PASSWORD=********" or "AWS_ACCESS_KEY_ID=AKIA**** (aws-access-key-id)". */
export function describeAssignmentSecret(secret: AssignmentSecret): string {
  const rules = secret.ruleIds.length > 0 ? ` (${secret.ruleIds.join(", ")})` : "";
  return `${secret.name}=${secret.masked}${rules}`;
}
