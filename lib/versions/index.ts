// Picks the version comparator for an OSV ecosystem name or one of our Package ecosystems.
import * as apk from "./apk.js";
import * as crates from "./crates.js";
import * as dpkg from "./dpkg.js";
import * as go from "./go.js";
import * as maven from "./maven.js";
import * as npm from "./npm.js";
import * as nuget from "./nuget.js";
import * as packagist from "./packagist.js";
import * as pep440 from "./pep440.js";
import * as rpm from "./rpm.js";
import * as rubygems from "./rubygems.js";
import * as semver from "./semver.js";

export interface Comparator {
  name: string;
  /** negative, 0 or positive; never throws */
  compare(a: string, b: string): number;
  isValid(v: string): boolean;
}

export const COMPARATORS = {
  dpkg: { name: "dpkg", compare: dpkg.compare, isValid: dpkg.isValid },
  apk: { name: "apk", compare: apk.compare, isValid: apk.isValid },
  rpm: { name: "rpm", compare: rpm.compare, isValid: rpm.isValid },
  semver: { name: "semver", compare: semver.compare, isValid: semver.isValid },
  npm: { name: "npm", compare: npm.compare, isValid: npm.isValid },
  pep440: { name: "pep440", compare: pep440.compare, isValid: pep440.isValid },
  maven: { name: "maven", compare: maven.compare, isValid: maven.isValid },
  rubygems: { name: "rubygems", compare: rubygems.compare, isValid: rubygems.isValid },
  go: { name: "go", compare: go.compare, isValid: go.isValid },
  nuget: { name: "nuget", compare: nuget.compare, isValid: nuget.isValid },
  packagist: { name: "packagist", compare: packagist.compare, isValid: packagist.isValid },
  crates: { name: "crates", compare: crates.compare, isValid: crates.isValid },
} satisfies Record<string, Comparator>;

// Keys are lower-case ecosystem names without the ":release" suffix.
const BY_ECOSYSTEM: Record<string, Comparator> = {
  debian: COMPARATORS.dpkg,
  ubuntu: COMPARATORS.dpkg,
  deb: COMPARATORS.dpkg,
  alpine: COMPARATORS.apk,
  wolfi: COMPARATORS.apk,
  chainguard: COMPARATORS.apk,
  alpaquita: COMPARATORS.apk,
  "bellsoft hardened containers": COMPARATORS.apk,
  apk: COMPARATORS.apk,
  "red hat": COMPARATORS.rpm,
  "rocky linux": COMPARATORS.rpm,
  almalinux: COMPARATORS.rpm,
  opensuse: COMPARATORS.rpm,
  suse: COMPARATORS.rpm,
  "photon os": COMPARATORS.rpm,
  "azure linux": COMPARATORS.rpm,
  "cbl-mariner": COMPARATORS.rpm,
  mageia: COMPARATORS.rpm,
  openeuler: COMPARATORS.rpm,
  "amazon linux": COMPARATORS.rpm,
  "oracle linux": COMPARATORS.rpm,
  centos: COMPARATORS.rpm,
  fedora: COMPARATORS.rpm,
  rpm: COMPARATORS.rpm,
  npm: COMPARATORS.npm,
  pypi: COMPARATORS.pep440,
  go: COMPARATORS.go,
  golang: COMPARATORS.go,
  maven: COMPARATORS.maven,
  "crates.io": COMPARATORS.crates,
  cargo: COMPARATORS.crates,
  rubygems: COMPARATORS.rubygems,
  gem: COMPARATORS.rubygems,
  packagist: COMPARATORS.packagist,
  composer: COMPARATORS.packagist,
  nuget: COMPARATORS.nuget,
  hex: COMPARATORS.semver,
};

/**
 * "Debian:12", "Ubuntu:22.04:LTS", "Alpine:v3.19" and "deb" all resolve; unknown ecosystems give
 * undefined so the caller can skip (not guess) the match.
 */
export function comparatorFor(ecosystem: string): Comparator | undefined {
  const colon = ecosystem.indexOf(":");
  const base = (colon >= 0 ? ecosystem.slice(0, colon) : ecosystem).trim().toLowerCase();
  return BY_ECOSYSTEM[base];
}
