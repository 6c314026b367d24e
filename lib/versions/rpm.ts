// RPM versions: rpmvercmp() on each of epoch, version and release (EVR), as rpm's labelCompare.
import { compareDigits, compareStrings, isDigitCode, isLetterCode, memoize } from "./digits.js";
import { splitEpochVersionRelease } from "./epoch-version-release.js";

function isAlnum(c: number): boolean {
  return isDigitCode(c) || isLetterCode(c);
}

/** rpm's rpmvercmp(): segments of digits or letters, '~' sorts before anything, '^' after the end. */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(a.charCodeAt(i)) && a[i] !== "~" && a[i] !== "^") i++;
    while (j < b.length && !isAlnum(b.charCodeAt(j)) && b[j] !== "~" && b[j] !== "^") j++;
    const at = a[i] === "~";
    const bt = b[j] === "~";
    if (at || bt) {
      if (!at) return 1;
      if (!bt) return -1;
      i++;
      j++;
      continue;
    }
    const ac = a[i] === "^";
    const bc = b[j] === "^";
    if (ac || bc) {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (!ac) return 1;
      if (!bc) return -1;
      i++;
      j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;
    const numeric = isDigitCode(a.charCodeAt(i));
    const same = numeric ? isDigitCode : isLetterCode;
    const si = i;
    const sj = j;
    while (i < a.length && same(a.charCodeAt(i))) i++;
    while (j < b.length && same(b.charCodeAt(j))) j++;
    // Segments of different kinds: a number is newer than letters.
    if (j === sj) return numeric ? 1 : -1;
    const d = numeric
      ? compareDigits(a.slice(si, i), b.slice(sj, j))
      : compareStrings(a.slice(si, i), b.slice(sj, j));
    if (d !== 0) return d;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

export interface Evr {
  epoch: string;
  version: string;
  /** undefined when there is no '-' at all ("1" sorts before "1-") */
  release: string | undefined;
}

/** [epoch:]version[-release]; release is after the last '-', a missing epoch is 0. */
export const parse = memoize((v: string): Evr => splitEpochVersionRelease(v));

/** EVR comparison; a missing release sorts before any release (osv-scalibr / vulnerability-feed use). Never throws. */
export function compare(a: string, b: string): number {
  if (a === b) return 0;
  const x = parse(a);
  const y = parse(b);
  const e = compareDigits(x.epoch, y.epoch);
  if (e !== 0) return e;
  const v = rpmvercmp(x.version, y.version);
  if (v !== 0) return v;
  if (x.release === undefined || y.release === undefined) {
    return x.release === y.release ? 0 : x.release === undefined ? -1 : 1;
  }
  if (x.release === "" || y.release === "") return x.release === y.release ? 0 : x.release === "" ? -1 : 1;
  return rpmvercmp(x.release, y.release);
}

export function isValid(v: string): boolean {
  if (v.length === 0 || /\s/.test(v)) return false;
  const p = parse(v);
  return p.version.length > 0 && !p.version.includes(":") && /[0-9A-Za-z]/.test(p.version);
}
