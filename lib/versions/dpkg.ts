// Debian package versions: [epoch:]upstream[-revision], compared like dpkg's verrevcmp.
import { compareDigits, isDigitCode, isDigits, isLetterCode, memoize, sign } from "./digits.js";
import { splitEpochVersionRelease } from "./epoch-version-release.js";

export interface DpkgVersion {
  epoch: string;
  upstream: string;
  revision: string;
}

export const parse = memoize((v: string): DpkgVersion => {
  const { epoch, version, release } = splitEpochVersionRelease(v);
  return { epoch, upstream: version, revision: release ?? "" };
});

// dpkg order(): '~' before end of string before letters before everything else.
function order(s: string, i: number): number {
  if (i >= s.length) return 0;
  const c = s.charCodeAt(i);
  if (isDigitCode(c)) return 0;
  if (isLetterCode(c)) return c;
  if (c === 126) return -1;
  return c + 256;
}

function digitAt(s: string, i: number): boolean {
  return i < s.length && isDigitCode(s.charCodeAt(i));
}

/** dpkg's verrevcmp on one part (upstream or revision). */
export function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !digitAt(a, i)) || (j < b.length && !digitAt(b, j))) {
      const ac = order(a, i);
      const bc = order(b, j);
      if (ac !== bc) return sign(ac - bc);
      i++;
      j++;
    }
    const si = i;
    const sj = j;
    while (digitAt(a, i)) i++;
    while (digitAt(b, j)) j++;
    const d = compareDigits(a.slice(si, i), b.slice(sj, j));
    if (d !== 0) return d;
  }
  return 0;
}

/** Total order on any strings; garbage is compared by the same character rules. */
export function compare(a: string, b: string): number {
  if (a === b) return 0;
  const x = parse(a);
  const y = parse(b);
  return (
    compareDigits(x.epoch, y.epoch) || verrevcmp(x.upstream, y.upstream) || verrevcmp(x.revision, y.revision)
  );
}

const ALLOWED = /^[A-Za-z0-9.+~:-]+$/;

/** Debian policy 5.6.12: upstream starts with a digit; only [A-Za-z0-9.+~-] (and ':' after an epoch). */
export function isValid(v: string): boolean {
  if (v.length === 0 || !ALLOWED.test(v)) return false;
  const p = parse(v);
  const colon = v.indexOf(":");
  if (colon >= 0 && (!isDigits(v.slice(0, colon)) || p.upstream.includes(":"))) return false;
  if (p.upstream.includes(":") || p.revision.includes(":")) return false;
  if (v.endsWith("-")) return false;
  return p.upstream.length > 0 && isDigitCode(p.upstream.charCodeAt(0));
}
