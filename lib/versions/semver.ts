// SemVer 2.0 precedence for versions that may be slightly off-spec (any number of parts, leading
// "v", huge numbers). Shared by npm, crates.io, Go, Hex and NuGet.
import { compareDigits, compareStrings, isDigitCode, isDigits, memoize } from "./digits.js";

export interface SemverLike {
  /** Numeric release parts as digit strings. */
  parts: string[];
  /** Pre-release identifiers ([] for a release). */
  pre: string[];
  build: string;
}

/**
 * Splits "v1.2.3-pre+build". Numeric parts run until the first character that is neither a digit
 * nor '.'. Any number of parts is kept and missing ones count as 0, so NuGet's 1.0.0.1 and an
 * off-spec 1.2.3.4 order sensibly instead of being rejected.
 */
export function parseSemverLike(input: string, foldCase = false): SemverLike {
  let s = input.trim();
  while (s.length > 0 && (s[0] === "v" || s[0] === "V" || s[0] === "=")) s = s.slice(1).trimStart();
  const parts: string[] = [];
  let i = 0;
  let start = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isDigitCode(c)) continue;
    if (c !== 46) break;
    if (i > start) parts.push(s.slice(start, i));
    start = i + 1;
  }
  if (i > start) parts.push(s.slice(start, i));
  let tail = s.slice(i);
  const plus = tail.indexOf("+");
  const build = plus >= 0 ? tail.slice(plus + 1) : "";
  if (plus >= 0) tail = tail.slice(0, plus);
  if (tail.startsWith("-")) tail = tail.slice(1);
  if (foldCase) tail = tail.toLowerCase();
  return { parts, pre: tail === "" ? [] : tail.split("."), build };
}

export function compareParts(a: string[], b: string[]): number {
  const n = Math.max(a.length, b.length);
  for (let k = 0; k < n; k++) {
    const d = compareDigits(a[k] ?? "0", b[k] ?? "0");
    if (d !== 0) return d;
  }
  return 0;
}

/** SemVer 2.0 rule 11 for pre-release identifier lists; [] (a release) sorts last. */
export function comparePre(a: string[], b: string[]): number {
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 0 : a.length === 0 ? 1 : -1;
  const n = Math.min(a.length, b.length);
  for (let k = 0; k < n; k++) {
    const x = a[k] as string;
    const y = b[k] as string;
    const xn = isDigits(x);
    const yn = isDigits(y);
    const d = xn && yn ? compareDigits(x, y) : xn ? -1 : yn ? 1 : compareStrings(x, y);
    if (d !== 0) return d;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export function compareSemverLike(x: SemverLike, y: SemverLike): number {
  return compareParts(x.parts, y.parts) || comparePre(x.pre, y.pre);
}

const parse = memoize((v: string) => parseSemverLike(v));

/**
 * SemVer precedence; build metadata is ignored. Garbage never throws: its leading numeric parts
 * count (missing parts are 0) and whatever follows is treated as a pre-release.
 */
export function compare(a: string, b: string): number {
  if (a === b) return 0;
  return compareSemverLike(parse(a), parse(b));
}

const NUM = "(?:0|[1-9]\\d*)";
const ID = "(?:0|[1-9]\\d*|\\d*[A-Za-z-][0-9A-Za-z-]*)";
const STRICT = new RegExp(
  `^${NUM}\\.${NUM}\\.${NUM}(?:-${ID}(?:\\.${ID})*)?(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?$`,
);

/** Strict SemVer 2.0.0 (no "v", no size limit on numbers). */
export function isValid(v: string): boolean {
  return STRICT.test(v);
}
