// npm versions: node-semver semantics. Ordering uses the shared SemVer comparator (same precedence
// as semver.compare, but cached, exact beyond 2^53 and total on garbage); validity and ranges use
// the maintained `semver` package itself.
import semver from "semver";
import { compare as compareSemver } from "./semver.js";

export function compare(a: string, b: string): number {
  return compareSemver(a, b);
}

/** node-semver's loose parse ("v1.2.3", "=1.2.3" and " 1.2.3 " are accepted). */
export function isValid(v: string): boolean {
  return semver.valid(v, { loose: true }) !== null;
}

/** node-semver's satisfies(); false (never a throw) for an unparsable range or version. */
export function satisfies(version: string, range: string, options?: semver.RangeOptions): boolean {
  try {
    return semver.satisfies(version, range, options);
  } catch {
    return false;
  }
}
