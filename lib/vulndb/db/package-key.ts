/**
 * The one key normalisation shared by the DB writer (indexing `affected[].package`) and matching
 * (looking up an inventory package). Both sides must call these functions, never their own copies.
 */
import { normalizeEcosystem as canonicalEcosystem } from "../importers/ecosystem.js";

export interface PackageKey {
  ecosystem: string;
  name: string;
}

/**
 * "debian:12.4" → "Debian:12", "alpine:3.19.1" → "Alpine:v3.19", "pypi" → "PyPI" (the spelling
 * is the importers' table, so imported records and lookups agree). Distro releases
 * are cut to what OSV keys on (Debian major, Alpine v<major>.<minor>) so an os-release VERSION_ID
 * can be passed as is; anything after the first ":" of other ecosystems is kept verbatim.
 */
export function normalizeEcosystem(ecosystem: string): string {
  const spelled = canonicalEcosystem(ecosystem);
  const colon = spelled.indexOf(":");
  const canonical = colon < 0 ? spelled : spelled.slice(0, colon);
  const release = colon < 0 ? undefined : spelled.slice(colon + 1).trim();
  if (release === undefined || release === "") return canonical;
  if (canonical === "Debian") {
    const major = /^(\d+)(?:\.\d+)*$/.exec(release);
    return `Debian:${major ? major[1] : release}`;
  }
  if (canonical === "Alpine") {
    const minor = /^v?(\d+)\.(\d+)(?:\.\d+)*$/.exec(release);
    return `Alpine:${minor ? `v${minor[1]}.${minor[2]}` : release}`;
  }
  return `${canonical}:${release}`;
}

/** PyPI names are compared after PEP 503 normalisation; every other ecosystem compares exactly. */
export function normalizePackageName(ecosystem: string, name: string): string {
  if (ecosystem === "PyPI")
    return name
      .trim()
      .replace(/[-_.]+/g, "-")
      .toLowerCase();
  return name.trim();
}

export function packageKey(ecosystem: string, name: string): PackageKey {
  const eco = normalizeEcosystem(ecosystem);
  return { ecosystem: eco, name: normalizePackageName(eco, name) };
}

/** The byte string the key index is sorted by: ecosystem, NUL, name (UTF-8, compared bytewise). */
export function encodePackageKey(key: PackageKey): Buffer {
  return Buffer.from(`${key.ecosystem}\u0000${key.name}`, "utf8");
}

export function decodePackageKey(bytes: Buffer): PackageKey {
  const text = bytes.toString("utf8");
  const nul = text.indexOf("\u0000");
  return { ecosystem: text.slice(0, nul), name: text.slice(nul + 1) };
}
