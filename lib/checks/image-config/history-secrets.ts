import type { CheckSeverity, MisconfigurationFinding } from "../types.js";
import { assignmentSecret, describeAssignmentSecret } from "./assignment-secrets.js";
import { capEvidence, layerLabel, singleLayer, summarize } from "./evidence.js";
import { type Assignment, type HistoryStep, parseAssignments } from "./history.js";
import type { CheckContext } from "./input.js";
import { maxSeverity } from "./severity.js";

export const HISTORY_SECRETS_ID = "PCIMG-005";

/** Instructions whose arguments are NAME=value pairs that stay in the image config. */
const ASSIGNING = new Set(["ENV", "ARG", "LABEL"]);

interface Hit {
  step: HistoryStep;
  /** What carried the secret: "build arg", "ENV", "RUN" … */
  kind: string;
  /** The variable or label name, when the secret was a NAME=value pair. */
  name?: string;
  /** Masked description for evidence. */
  shown: string;
  severity: CheckSeverity;
}

/**
 * Build args and ENV/ARG/LABEL values end up verbatim in created_by, which `docker history`
 * prints to anyone who can pull the image, even when a later step unset the variable.
 */
export function checkHistorySecrets({
  history,
  findSecrets,
}: CheckContext): MisconfigurationFinding | undefined {
  const hits: Hit[] = [];
  for (const step of history) {
    const seen = new Set<string>();
    const assess = (pairs: Assignment[], kind: string): void => {
      for (const pair of pairs) {
        const secret = assignmentSecret(pair.name, pair.value, findSecrets);
        if (secret === undefined) continue;
        for (const fingerprint of secret.fingerprints) seen.add(fingerprint);
        hits.push({
          step,
          kind,
          name: pair.name,
          shown: describeAssignmentSecret(secret),
          severity: secret.severity,
        });
      }
    };
    assess(step.buildArgs, "build arg");
    if (ASSIGNING.has(step.instruction)) assess(parseAssignments(step.args), step.instruction);
    // Secrets elsewhere in the line, e.g. a token in a curl header of a RUN.
    for (const match of findSecrets(step.createdBy)) {
      if (seen.has(match.fingerprint)) continue;
      seen.add(match.fingerprint);
      hits.push({
        step,
        kind: step.instruction || "created_by",
        shown: `${match.match} (${match.ruleId})`,
        severity: maxSeverity("HIGH", match.severity),
      });
    }
  }
  const first = hits[0];
  if (first === undefined) return undefined;
  const layer = singleLayer(hits.map((hit) => hit.step.layer));
  return {
    id: HISTORY_SECRETS_ID,
    title: "Secret in image history",
    severity: maxSeverity(first.severity, ...hits.map((hit) => hit.severity)),
    message: `The image history records credentials: ${summarize(hits.map((hit) => `${hit.name ?? hit.kind} (history[${hit.step.index}])`))}; \`docker history\` shows them to anyone who can pull the image.`,
    remediation:
      "Rotate the credentials, then rebuild without them: use BuildKit secret mounts (RUN --mount=type=secret) instead of ARG/--build-arg or ENV for credentials.",
    evidence: capEvidence(
      hits.map(
        (hit) => `history[${hit.step.index}] (${layerLabel(hit.step.layer)}) ${hit.kind}: ${hit.shown}`,
      ),
    ),
    ...(layer !== undefined ? { layer } : {}),
    cis: ["4.10"],
  };
}
