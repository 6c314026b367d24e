import type { MisconfigurationFinding } from "../types.js";
import { capEvidence, formatMode, layerLabel, singleLayer, summarize } from "./evidence.js";
import type { CheckContext } from "./input.js";
import { normalizePath } from "./paths.js";

export const SETUID_FILES_ID = "PCIMG-010";

const SETUID = 0o4000;
const SETGID = 0o2000;

/**
 * Setuid/setgid programs that distributions ship in their base images (shadow, util-linux,
 * iputils, openssh, busybox-suid). They are still worth removing, but finding only these says
 * little about the image's own layers.
 */
const DISTRIBUTION_DEFAULTS = new Set([
  "su",
  "passwd",
  "chsh",
  "chfn",
  "chage",
  "expiry",
  "gpasswd",
  "newgrp",
  "mount",
  "umount",
  "wall",
  "write",
  "ping",
  "unix_chkpwd",
  "pam_extrausers_chkpwd",
  "ssh-agent",
  "ssh-keysign",
  "dbus-daemon-launch-helper",
  "bbsuid",
]);

function kind(mode: number): string {
  const bits = [mode & SETUID ? "setuid" : "", mode & SETGID ? "setgid" : ""].filter((bit) => bit !== "");
  return bits.join("+");
}

export function checkSetuidFiles({ files }: CheckContext): MisconfigurationFinding | undefined {
  const hits = files.setuid
    .filter((file) => (file.mode & (SETUID | SETGID)) !== 0)
    .map((file) => ({ ...file, path: normalizePath(file.path) }))
    .sort((a, b) => a.path.localeCompare(b.path));
  if (hits.length === 0) return undefined;
  const unusual = hits.filter((file) => !DISTRIBUTION_DEFAULTS.has(file.path.split("/").at(-1) ?? ""));
  const layer = singleLayer(hits.map((file) => file.layer));
  return {
    id: SETUID_FILES_ID,
    title: "Files with setuid or setgid permission",
    // Beyond the distribution's usual suspects the setuid bit was added on purpose, or by a package the app pulled in.
    severity: unusual.length > 0 ? "MEDIUM" : "LOW",
    message: `${hits.length} file${hits.length === 1 ? " has" : "s have"} the setuid or setgid bit (${summarize(hits.map((file) => file.path))}); a local attacker can use them to gain their owner's privileges.`,
    remediation:
      "Strip the bits in the last build step where they are not needed, e.g. RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} + , and remove packages that install setuid helpers.",
    evidence: capEvidence(
      hits.map(
        (file) => `${file.path} ${formatMode(file.mode)} ${kind(file.mode)} (${layerLabel(file.layer)})`,
      ),
    ),
    ...(layer !== undefined ? { layer } : {}),
    cis: ["4.8"],
  };
}
