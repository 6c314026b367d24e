// RubyGems versions (Gem::Version): segments split at '.' and at digit/letter boundaries, trailing
// zeros dropped, any letter segment makes a pre-release that sorts before the release.
import { compareDigits, compareStrings, isDigitCode, isDigits, memoize } from "./digits.js";

function dropTrailingZeros(segs: string[]): string[] {
  let n = segs.length;
  while (n > 0 && segs[n - 1] === "0") n--;
  return segs.slice(0, n);
}

export const parse = memoize((v: string): string[] => {
  // Gem::Version.new turns "-" into ".pre." (1.0-1 is a pre-release of 1.0).
  const s = v.trim().replaceAll("-", ".pre.");
  const segs: string[] = [];
  let cur = "";
  let prevDigit = true;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (ch === ".") {
      segs.push(cur);
      cur = "";
      continue;
    }
    const digit = isDigitCode(s.charCodeAt(i));
    if (cur !== "" && digit !== prevDigit) {
      segs.push(cur);
      cur = "";
    }
    cur += ch;
    prevDigit = digit;
  }
  segs.push(cur);
  const norm = segs.map((x) => (isDigits(x) ? x.replace(/^0+(?=\d)/, "") : x));
  // Gem::Version#canonical_segments: zeros are dropped at the end of the release and of the pre-release.
  const firstText = norm.findIndex((x) => !isDigits(x));
  if (firstText < 0) return dropTrailingZeros(norm);
  return [...dropTrailingZeros(norm.slice(0, firstText)), ...dropTrailingZeros(norm.slice(firstText))];
});

/** Gem::Version#<=>; garbage is split by the same rules and never throws. */
export function compare(a: string, b: string): number {
  if (a === b) return 0;
  const x = parse(a);
  const y = parse(b);
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const p = x[i] ?? "0";
    const q = y[i] ?? "0";
    const pn = isDigits(p);
    const qn = isDigits(q);
    const d = pn && qn ? compareDigits(p, q) : pn ? 1 : qn ? -1 : compareStrings(p, q);
    if (d !== 0) return d;
  }
  return 0;
}

const VALID = /^\s*[0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?\s*$/;

export function isValid(v: string): boolean {
  return VALID.test(v);
}
