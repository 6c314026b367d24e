// Go module versions (golang.org/x/mod/semver with the "v" optional) and Go toolchain versions
// ("go1.21.5", "1.21rc1"). Pseudo-versions are ordinary pre-releases and sort by timestamp;
// "+incompatible" is build metadata and ignored.
import { memoize } from "./digits.js";
import { compareSemverLike, isValid as isSemver, parseSemverLike } from "./semver.js";

const TOOLCHAIN_PRE = /^(\d+(?:\.\d+)*)(rc|beta|alpha)(\d+)$/;

// go1.21rc1 -> 1.21-rc.1: a toolchain pre-release sorts before the release it leads to.
const parse = memoize((v: string) => {
  let s = v.trim();
  if (s.startsWith("go")) s = s.slice(2);
  const m = TOOLCHAIN_PRE.exec(s);
  if (m) s = `${m[1]}-${m[2]}.${m[3]}`;
  return parseSemverLike(s);
});

export function compare(a: string, b: string): number {
  if (a === b) return 0;
  return compareSemverLike(parse(a), parse(b));
}

export function isValid(v: string): boolean {
  const s = v.startsWith("go") ? v.slice(2) : v.startsWith("v") ? v.slice(1) : v;
  return isSemver(s) || TOOLCHAIN_PRE.test(s) || /^\d+\.\d+(?:\.\d+)?$/.test(s);
}
