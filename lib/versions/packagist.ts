// Packagist (Composer) versions, ordered like PHP's version_compare() after Composer's "v" strip:
// dev < alpha = a < beta = b < RC = rc < # (number) < pl = p (patch).
import { compareDigits, isDigitCode, isDigits, memoize } from "./digits.js";

// version_compare's canonicalisation: [-_+] become '.', and '.' goes between digits and non-digits.
export const parse = memoize((v: string): string[] => {
  let s = v.trim();
  if (s.startsWith("v") || s.startsWith("V")) s = s.slice(1);
  let out = "";
  for (let i = 0; i < s.length; i++) {
    let ch = s[i] as string;
    if (ch === "-" || ch === "_" || ch === "+") ch = ".";
    if (out.length > 0 && ch !== ".") {
      const prev = out[out.length - 1] as string;
      if (prev !== "." && isDigitCode(prev.charCodeAt(0)) !== isDigitCode(ch.charCodeAt(0))) out += ".";
    }
    out += ch;
  }
  return out.split(".");
});

function weight(s: string): number {
  if (s.startsWith("RC")) return 3;
  const specials = ["dev", "a", "b", "rc", "#", "p"];
  for (let i = 0; i < specials.length; i++) if (s.startsWith(specials[i] as string)) return i;
  return 0;
}

function special(a: string, b: string): number {
  return Math.sign(weight(a) - weight(b));
}

function compareParts(a: string[], b: string[], ai: number, bi: number): number {
  while (ai < a.length && bi < b.length) {
    const x = a[ai++] as string;
    const y = b[bi++] as string;
    const xn = isDigits(x);
    const yn = isDigits(y);
    const d = xn && yn ? compareDigits(x, y) : xn ? special("#", y) : yn ? special(x, "#") : special(x, y);
    if (d !== 0) return d;
  }
  if (ai < a.length) return isDigits(a[ai] as string) ? 1 : compareParts(a, ["#"], ai, 0);
  if (bi < b.length) return isDigits(b[bi] as string) ? -1 : compareParts(["#"], b, 0, bi);
  return 0;
}

/** version_compare() semantics; unknown words weigh like "dev"'s neighbours (PHP's rules). */
export function compare(a: string, b: string): number {
  if (a === b) return 0;
  return compareParts(parse(a), parse(b), 0, 0);
}

const VALID =
  /^v?\d+(?:\.\d+){0,3}(?:[._-]?(?:stable|beta|b|rc|alpha|a|patch|pl|p)(?:[.-]?\d+)*)?(?:[.-]?dev)?$/i;

/** Composer's VersionParser shape for a concrete version (not a branch like dev-main). */
export function isValid(v: string): boolean {
  return VALID.test(v.trim());
}
