// NuGet versions: SemVer 2.0 with up to four numeric parts (1.0 = 1.0.0.0) and case-insensitive
// pre-release labels.
import { memoize } from "./digits.js";
import { compareSemverLike, parseSemverLike } from "./semver.js";

const parse = memoize((v: string) => parseSemverLike(v, true));

export function compare(a: string, b: string): number {
  if (a === b) return 0;
  return compareSemverLike(parse(a), parse(b));
}

const VALID =
  /^v?\d+(?:\.\d+){0,3}(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

export function isValid(v: string): boolean {
  return VALID.test(v);
}
