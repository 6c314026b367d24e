import type { MisconfigurationFinding } from "../types.js";
import { capEvidence, formatMode, layerLabel, singleLayer, summarize } from "./evidence.js";
import type { CheckContext } from "./input.js";
import { normalizePath } from "./paths.js";

export const WORLD_WRITABLE_DIRS_ID = "PCIMG-011";

const OTHERS_WRITE = 0o002;
const STICKY = 0o1000;

export function checkWorldWritableDirs({ files }: CheckContext): MisconfigurationFinding | undefined {
  // With the sticky bit (like /tmp) users cannot delete or rename each other's files: not a finding.
  const hits = files.worldWritableDirs
    .filter((dir) => (dir.mode & OTHERS_WRITE) !== 0 && (dir.mode & STICKY) === 0)
    .map((dir) => ({ ...dir, path: normalizePath(dir.path) }))
    .sort((a, b) => a.path.localeCompare(b.path));
  if (hits.length === 0) return undefined;
  const layer = singleLayer(hits.map((dir) => dir.layer));
  return {
    id: WORLD_WRITABLE_DIRS_ID,
    title: "World-writable directories",
    severity: "MEDIUM",
    message: `${hits.length} director${hits.length === 1 ? "y is" : "ies are"} writable by every user without the sticky bit (${summarize(hits.map((dir) => dir.path))}); any process can replace the files in them.`,
    remediation:
      "Give the directories to the user that needs to write them (chown app, chmod 0755 or 0750), or set the sticky bit (chmod 1777) for shared scratch space.",
    evidence: capEvidence(
      hits.map((dir) => `${dir.path} ${formatMode(dir.mode)} (${layerLabel(dir.layer)})`),
    ),
    ...(layer !== undefined ? { layer } : {}),
  };
}
