import type { MisconfigurationFinding } from "../types.js";
import { type AssignmentSecret, assignmentSecret, describeAssignmentSecret } from "./assignment-secrets.js";
import { capEvidence, summarize } from "./evidence.js";
import type { CheckContext } from "./input.js";
import { maxSeverity } from "./severity.js";

export const ENV_SECRETS_ID = "PCIMG-003";

export function checkEnvSecrets({ config, findSecrets }: CheckContext): MisconfigurationFinding | undefined {
  const secrets: AssignmentSecret[] = [];
  for (const entry of config.config?.Env ?? []) {
    const equals = entry.indexOf("=");
    if (equals <= 0) continue;
    const secret = assignmentSecret(entry.slice(0, equals), entry.slice(equals + 1), findSecrets);
    if (secret !== undefined) secrets.push(secret);
  }
  const first = secrets[0];
  if (first === undefined) return undefined;
  return {
    id: ENV_SECRETS_ID,
    title: "Secret in environment variable",
    severity: maxSeverity(first.severity, ...secrets.map((secret) => secret.severity)),
    message: `The image config sets credentials in ENV: ${summarize(secrets.map((secret) => secret.name))}; anyone who can pull the image can read them.`,
    remediation:
      "Remove the credentials from ENV and rotate them; pass secrets at run time (orchestrator secrets, mounted files referenced by *_FILE variables) and use BuildKit secret mounts during the build.",
    evidence: capEvidence(secrets.map(describeAssignmentSecret)),
    cis: ["4.10"],
  };
}
