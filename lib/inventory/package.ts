/** Operating system identified from os-release and friends. */
export interface OperatingSystem {
  /** Lower-case family id used for advisory keys: "debian", "ubuntu", "alpine", "rhel", ... */
  family: string;
  /** Display name, e.g. "Debian GNU/Linux". */
  name?: string;
  /** Full version string, e.g. "12 (bookworm)" or "3.19.1". */
  version?: string;
  /** Machine-readable version, e.g. "12", "3.19.1", "22.04". */
  versionId?: string;
  codename?: string;
  prettyName?: string;
  /**
   * The release the distribution's advisories are keyed by: "12" (Debian), "22.04" (Ubuntu),
   * "3.19" (Alpine), "9" (RHEL and rebuilds), "2023" (Amazon Linux), "15.5" (openSUSE Leap, SLES).
   * Absent for rolling distributions (Wolfi, Tumbleweed, Debian testing).
   */
  release?: string;
  /** When the release stops receiving security updates, if known (ISO date). */
  eolDate?: string;
  /** True when eolDate has passed at scan time: findings may be missing fixes for good. */
  eol?: boolean;
  /** How the OS was identified when no release file said so, e.g. "package base-files". */
  detectedFrom?: string;
}

/** Where in the image a package came from. */
export interface LayerRef {
  index: number;
  /** Uncompressed layer digest (config rootfs.diff_ids). */
  diffID: string;
  /** Compressed blob digest from the manifest. */
  digest: string;
}

export type Ecosystem = "deb" | "apk" | "rpm";

const OS_ECOSYSTEMS: ReadonlySet<string> = new Set<Ecosystem>(["deb", "apk", "rpm"]);

/** Packages of the OS package managers, as opposed to language packages. */
export function isOsEcosystem(ecosystem: string): boolean {
  return OS_ECOSYSTEMS.has(ecosystem);
}

export interface Package {
  ecosystem: Ecosystem | string;
  name: string;
  /**
   * Full version as the package manager prints it: dpkg `[epoch:]upstream[-revision]`, apk
   * `pkgver-rN`, rpm `[epoch:]version-release`.
   */
  version: string;
  /** The epoch, when the ecosystem has one and it is set (also part of `version`). */
  epoch?: number;
  /** dpkg source package, apk origin, rpm source rpm. */
  source?: { name: string; version?: string };
  arch?: string;
  licenses?: string[];
  maintainer?: string;
  /** apk Q1 checksum or similar integrity value as recorded by the package manager. */
  checksum?: string;
  /** rpm Vendor, e.g. "Red Hat, Inc." (distinguishes vendor builds from third-party rpms). */
  vendor?: string;
  /** rpm modularity label (RHEL 8 modules), e.g. "nodejs:18:8090020230810123456:8a3a2d11". */
  modularityLabel?: string;
  purl?: string;
  /**
   * The OS package that installed this language package (Debian's python3-requests ships the
   * requests egg-info): matching goes through the owner so a flaw is not reported twice.
   */
  ownedBy?: { ecosystem: string; name: string; version: string };
  /** The layer that introduced this exact package version. */
  layer: LayerRef;
  /** The database file the package was read from, no leading slash. */
  foundIn: string;
}
