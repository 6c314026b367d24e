const GO_RELEASE = /^go(\d+)\.(\d+)(?:\.(\d+))?(?:(beta|rc)(\d+))?(.*)$/;

/**
 * The Go toolchain version in the form the Go vulnerability database (OSV, package "stdlib")
 * uses: "go1.21.5" → "1.21.5", "go1.20" → "1.20.0", "go1.21rc2" → "1.21.0-rc.2",
 * "go1.22.3 X:boringcrypto" → "1.22.3". Undefined for development toolchains ("devel go1.23-…"):
 * they match no release, so no version can be claimed for them.
 */
export function goVersionToSemver(goVersion: string): string | undefined {
  const release = goVersion.trim().split(/\s+/, 1)[0] ?? "";
  const m = GO_RELEASE.exec(release);
  if (!m) return undefined;
  const [, major, minor, patch = "0", pre, preNumber, rest = ""] = m;
  const prerelease = pre ? `-${pre}.${preNumber}` : "";
  // Vendor suffixes ("go1.21.0-bigcorp") stay, as semver pre-release or build text.
  return `${major}.${minor}.${patch}${prerelease}${rest}`;
}

/** Go module versions carry a "v" ("v1.2.3"); OSV's Go ranges and our version comparators do not. */
export function goModuleVersion(version: string): string {
  return version.startsWith("v") ? version.slice(1) : version;
}
