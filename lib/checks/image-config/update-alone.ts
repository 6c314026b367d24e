import type { MisconfigurationFinding } from "../types.js";
import { capEvidence, layerLabel, singleLayer, summarize } from "./evidence.js";
import type { CheckContext } from "./input.js";
import { redactCommand } from "./redact.js";

export const UPDATE_ALONE_ID = "PCIMG-014";

// Options may come between the tool and its subcommand: "apt-get -qq update".
const OPTIONS = String.raw`(?:-\S+\s+)*`;

/** Refreshing package indexes without installing anything. */
const UPDATE = [
  new RegExp(String.raw`\bapt(?:-get)?\s+${OPTIONS}update\b`),
  new RegExp(String.raw`\bapk\s+${OPTIONS}update\b`),
  new RegExp(String.raw`\b(?:yum|dnf|microdnf)\s+${OPTIONS}(?:makecache|check-update)\b`),
  new RegExp(String.raw`\bzypper\s+${OPTIONS}(?:refresh|ref)\b`),
];

/** Anything that installs or upgrades packages using the fresh indexes ("yum update" upgrades). */
const INSTALL = [
  new RegExp(
    String.raw`\bapt(?:-get)?\s+${OPTIONS}(?:install|upgrade|dist-upgrade|full-upgrade|build-dep)\b`,
  ),
  new RegExp(String.raw`\bapk\s+${OPTIONS}(?:add|upgrade|fix)\b`),
  new RegExp(
    String.raw`\b(?:yum|dnf|microdnf)\s+${OPTIONS}(?:install|reinstall|upgrade|update|groupinstall|distro-sync)\b`,
  ),
  new RegExp(String.raw`\bzypper\s+${OPTIONS}(?:install|in|update|up|dist-upgrade|dup|patch)\b`),
];

/**
 * CIS 4.7: a RUN that only refreshes the indexes is cached on its own, so later installs use
 * indexes as old as that cached layer.
 */
export function checkUpdateAlone({
  history,
  findSecrets,
}: CheckContext): MisconfigurationFinding | undefined {
  const alone = history.filter(
    (step) =>
      step.instruction === "RUN" &&
      UPDATE.some((pattern) => pattern.test(step.args)) &&
      !INSTALL.some((pattern) => pattern.test(step.args)),
  );
  if (alone.length === 0) return undefined;
  const layer = singleLayer(alone.map((step) => step.layer));
  return {
    id: UPDATE_ALONE_ID,
    title: "Update instruction used alone",
    severity: "LOW",
    message: `${alone.length === 1 ? "A RUN refreshes" : `${alone.length} RUN steps refresh`} package indexes without installing anything in the same step (history ${summarize(alone.map((step) => `[${step.index}]`))}); the cached layer keeps later builds on stale indexes.`,
    remediation:
      "Update and install in one RUN, e.g. RUN apt-get update && apt-get install -y --no-install-recommends pkg=1.2-3 && rm -rf /var/lib/apt/lists/*.",
    evidence: capEvidence(
      alone.map(
        (step) =>
          `history[${step.index}] (${layerLabel(step.layer)}): RUN ${redactCommand(step.args, findSecrets)}`,
      ),
    ),
    ...(layer !== undefined ? { layer } : {}),
    cis: ["4.7"],
  };
}
