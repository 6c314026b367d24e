import type { LayerRef } from "../../inventory/package.js";
import type { MisconfigurationFinding } from "../types.js";
import { formatMode, layerLabel, singleLayer } from "./evidence.js";
import type { CheckContext } from "./input.js";
import { normalizePath } from "./paths.js";

export const SUDO_INSTALLED_ID = "PCIMG-013";

/** Debian ships sudo-ldap as an alternative build of sudo; sudo-rs is the Rust rewrite. */
const SUDO_PACKAGES = new Set(["sudo", "sudo-ldap", "sudo-rs"]);
const SUDO_BINARIES = new Set(["usr/bin/sudo", "bin/sudo", "usr/local/bin/sudo"]);

export function checkSudoInstalled({ packages, files }: CheckContext): MisconfigurationFinding | undefined {
  const evidence: string[] = [];
  const layers: LayerRef[] = [];
  for (const pkg of packages) {
    if (!SUDO_PACKAGES.has(pkg.name)) continue;
    evidence.push(`package ${pkg.name} ${pkg.version} (${pkg.ecosystem}, ${layerLabel(pkg.layer)})`);
    layers.push(pkg.layer);
  }
  for (const file of files.setuid) {
    const path = normalizePath(file.path);
    if (!SUDO_BINARIES.has(path)) continue;
    evidence.push(`${path} ${formatMode(file.mode)} (${layerLabel(file.layer)})`);
    layers.push(file.layer);
  }
  if (evidence.length === 0) return undefined;
  const layer = singleLayer(layers);
  return {
    id: SUDO_INSTALLED_ID,
    title: "sudo installed",
    severity: "MEDIUM",
    message: `sudo is installed (${evidence.join("; ")}): a compromised process can use it to become root, and containers need no interactive privilege switching.`,
    remediation:
      "Remove sudo from the image; do the privileged setup in build steps before USER, or use gosu/su-exec in an entrypoint that drops privileges once.",
    evidence,
    ...(layer !== undefined ? { layer } : {}),
  };
}
