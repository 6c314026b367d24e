import type { MisconfigurationFinding } from "../types.js";
import { type AssignmentSecret, assignmentSecret, describeAssignmentSecret } from "./assignment-secrets.js";
import { capEvidence, summarize } from "./evidence.js";
import type { CheckContext } from "./input.js";
import { maxSeverity } from "./severity.js";

export const LABEL_SECRETS_ID = "PCIMG-004";

export function checkLabelSecrets({
  config,
  findSecrets,
}: CheckContext): MisconfigurationFinding | undefined {
  const secrets: AssignmentSecret[] = [];
  for (const [key, value] of Object.entries(config.config?.Labels ?? {})) {
    const secret = assignmentSecret(key, value, findSecrets);
    if (secret !== undefined) secrets.push(secret);
  }
  const first = secrets[0];
  if (first === undefined) return undefined;
  return {
    id: LABEL_SECRETS_ID,
    title: "Secret in image label",
    severity: maxSeverity(first.severity, ...secrets.map((secret) => secret.severity)),
    message: `The image config has credentials in labels: ${summarize(secrets.map((secret) => secret.name))}; labels are readable by anyone who can pull or inspect the image.`,
    remediation:
      "Remove the credentials from the LABEL instructions (and from --label build options) and rotate them.",
    evidence: capEvidence(secrets.map(describeAssignmentSecret)),
    cis: ["4.10"],
  };
}
