// Debian package versions: [epoch:]upstream[-revision], compared like dpkg's verrevcmp.
import { compareDigits, isDigitCode, isDigits, isLetterCode, memoize, sign } from "./digits.js";

export interface DpkgVersion {
  epoch: string;
  upstream: string;
  revision: string;
}

export const parse = memoize((v: string): DpkgVersion => {
  const s = v.trim();
  let rest = s;
  let epoch = "0";
  const colon = s.indexOf(":");
  if (colon > 0 && isDigits(s.slice(0, colon))) {
    epoch = s.slice(0, colon);
    rest = s.slice(colon + 1);
  }
  const dash = rest.lastIndexOf("-");
  if (dash >= 0) return { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) };
  return { epoch, upstream: rest, revision: "" };
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
