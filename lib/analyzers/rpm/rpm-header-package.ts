import type { PackageFinding } from "../types.js";
import { RpmDatabaseError, type Warn } from "./rpm-database-error.js";
import { type RpmHeader, RpmTag } from "./rpm-header.js";

/** rpm's pseudo-packages for imported signing keys: not software, never vulnerable. */
export const GPG_PUBKEY = "gpg-pubkey";

export interface SourceRpm {
  name: string;
  version: string;
  release: string;
}

/**
 * A package header's identity as a finding: version `[epoch:]version-release`, with the epoch
 * whenever the header has an EPOCH tag, even 0, as rpm's own `%{EVR}` prints it. Returns undefined
 * for gpg-pubkey. Throws (RpmDatabaseError) when NAME or VERSION is missing or unreadable; optional
 * tags that fail to decode are left out with a warning.
 *
 * The source is parsed from SOURCERPM (`name-version-release.src.rpm`). That file name has no epoch,
 * and every subpackage of a spec shares the spec's Epoch, so the source version takes the binary's
 * epoch (as trivy does): source and binary versions then compare alike against advisories that
 * carry epochs. A header without a usable SOURCERPM is its own source.
 */
export function rpmHeaderToPackage(header: RpmHeader, warn: Warn): PackageFinding | undefined {
  const name = header.string(RpmTag.NAME);
  if (!name) throw new RpmDatabaseError("header has no NAME");
  if (name === GPG_PUBKEY) return undefined;
  const version = header.string(RpmTag.VERSION);
  if (!version) throw new RpmDatabaseError(`package ${name}: header has no VERSION`);
  const release = optional(name, "RELEASE", warn, () => header.string(RpmTag.RELEASE));
  const epoch = optional(name, "EPOCH", warn, () => header.integer(RpmTag.EPOCH));
  const epochPrefix = epoch === undefined ? "" : `${epoch}:`;
  const fullVersion = `${epochPrefix}${version}${release ? `-${release}` : ""}`;

  const finding: PackageFinding = { ecosystem: "rpm", name, version: fullVersion };
  if (epoch !== undefined) finding.epoch = epoch;

  const sourceRpm = optional(name, "SOURCERPM", warn, () => header.string(RpmTag.SOURCERPM));
  const source = sourceRpm ? parseSourceRpm(sourceRpm) : undefined;
  if (sourceRpm && !source)
    warn(`package ${name}: SOURCERPM ${JSON.stringify(sourceRpm)} is not name-version-release`);
  finding.source = source
    ? { name: source.name, version: `${epochPrefix}${source.version}-${source.release}` }
    : { name, version: fullVersion };

  const arch = optional(name, "ARCH", warn, () => header.string(RpmTag.ARCH));
  if (arch) finding.arch = arch;
  // One SPDX (or Fedora-style) expression: "MIT and GPLv2+" is a single license statement.
  const license = optional(name, "LICENSE", warn, () => header.string(RpmTag.LICENSE));
  if (license) finding.licenses = [license];
  const vendor = optional(name, "VENDOR", warn, () => header.string(RpmTag.VENDOR));
  if (vendor) finding.vendor = vendor;
  const label = optional(name, "MODULARITYLABEL", warn, () => header.string(RpmTag.MODULARITYLABEL));
  if (label) finding.modularityLabel = label;
  return finding;
}

function optional<T>(name: string, tag: string, warn: Warn, read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    warn(
      `package ${name}: ${tag} unreadable (${err instanceof Error ? err.message : String(err)}); left out`,
    );
    return undefined;
  }
}

/**
 * Splits a source rpm file name, `name-version-release.src.rpm` (or `.nosrc.rpm`). Version and
 * release cannot contain "-", so the last two dashes delimit them; the name may contain any.
 */
export function parseSourceRpm(fileName: string): SourceRpm | undefined {
  let base = fileName.endsWith(".rpm") ? fileName.slice(0, -4) : fileName;
  const dot = base.lastIndexOf(".");
  if (dot !== -1 && (base.endsWith(".src") || base.endsWith(".nosrc"))) base = base.slice(0, dot);
  const lastDash = base.lastIndexOf("-");
  const nameDash = lastDash > 0 ? base.lastIndexOf("-", lastDash - 1) : -1;
  if (nameDash <= 0 || nameDash + 1 === lastDash || lastDash === base.length - 1) return undefined;
  return {
    name: base.slice(0, nameDash),
    version: base.slice(nameDash + 1, lastDash),
    release: base.slice(lastDash + 1),
  };
}
