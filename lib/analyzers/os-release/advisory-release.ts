import type { OperatingSystem } from "../../inventory/package.js";

/** Families whose advisories are keyed by the major version only ("9.3" → "9"). */
const MAJOR_ONLY = new Set(["rhel", "centos", "rocky", "almalinux", "ol", "debian", "amzn", "fedora"]);
/** Families keyed by major.minor ("3.19.1" → "3.19"). */
const MAJOR_MINOR = new Set([
  "alpine",
  "ubuntu",
  "photon",
  "cbl-mariner",
  "azurelinux",
  "opensuse-leap",
  "sles",
]);
/** Rolling distributions: one stream of advisories, no release key. */
const ROLLING = new Set(["wolfi", "chainguard", "opensuse-tumbleweed", "arch", "gentoo"]);

/**
 * The release that the distribution's security advisories name, derived from the version id.
 * Debian testing/unstable (no VERSION_ID) and rolling distributions have none.
 */
export function advisoryRelease(os: OperatingSystem): string | undefined {
  if (ROLLING.has(os.family)) return undefined;
  const id = os.versionId?.trim();
  if (!id) return undefined;
  const parts = id.split(".");
  if (!parts.every((p) => /^\d+$/.test(p))) return id;
  if (MAJOR_ONLY.has(os.family)) {
    // Amazon Linux 2018.03 is keyed by its full id; 2 and 2023 by the major.
    if (os.family === "amzn" && parts[0] === "2018") return id;
    return parts[0];
  }
  if (MAJOR_MINOR.has(os.family)) return parts.slice(0, 2).join(".");
  return id;
}
