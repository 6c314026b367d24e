// Alpine apk versions, ported from apk-tools' version.c (the tokenizer and the compare loop).
// number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}
import { compareDigits, isDigitCode, sign } from "./digits.js";

// Token kinds in apk-tools' order; the order matters for "which side is longer" decisions.
const INVALID = -1;
const DIGIT_OR_ZERO = 0;
const DIGIT = 1;
const LETTER = 2;
const SUFFIX = 3;
const SUFFIX_NO = 4;
const REVISION_NO = 5;
const END = 6;

const PRE_SUFFIXES = ["alpha", "beta", "pre", "rc"];
const POST_SUFFIXES = ["cvs", "svn", "git", "hg", "p"];

// A token value: small ints as numbers, digit runs as strings so huge numbers stay exact.
type Value = number | string;

function compareValue(a: Value, b: Value): number {
  if (typeof a === "number" && typeof b === "number") return sign(a - b);
  if (typeof a === "string" && typeof b === "string") return compareDigits(a, b);
  // A digit string is never negative; a number here is a suffix weight or a leading-zero count (<= 0).
  const an = typeof a === "number" ? a : 0;
  const bn = typeof b === "number" ? b : 0;
  if (an < 0 || bn < 0) return sign(an - bn);
  return typeof a === "string" ? compareDigits(a, "0") : compareDigits("0", b as string);
}

function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}

class Cursor {
  pos = 0;
  constructor(readonly s: string) {}
}

function nextToken(type: number, c: Cursor): number {
  let n = INVALID;
  const s = c.s;
  if (c.pos >= s.length) return END;
  const ch = s.charCodeAt(c.pos);
  if ((type === DIGIT || type === DIGIT_OR_ZERO) && isLower(ch)) n = LETTER;
  else if (type === LETTER && isDigitCode(ch)) n = DIGIT;
  else if (type === SUFFIX && isDigitCode(ch)) n = SUFFIX_NO;
  else {
    if (ch === 46) n = DIGIT_OR_ZERO;
    else if (ch === 95) n = SUFFIX;
    else if (ch === 45) {
      if (c.pos + 1 < s.length && s.charCodeAt(c.pos + 1) === 114) {
        n = REVISION_NO;
        c.pos++;
      }
    }
    c.pos++;
  }
  if (n < type) {
    if (
      !(
        (n === DIGIT_OR_ZERO && type === DIGIT) ||
        (n === SUFFIX && type === SUFFIX_NO) ||
        (n === DIGIT && type === LETTER)
      )
    )
      n = INVALID;
  }
  return n;
}

function getToken(type: number, c: Cursor): [Value, number] {
  const s = c.s;
  if (c.pos >= s.length) return [0, END];
  let i = c.pos;
  let v: Value = 0;
  let nt = INVALID;
  switch (type) {
    case DIGIT_OR_ZERO:
    case DIGIT:
    case SUFFIX_NO:
    case REVISION_NO: {
      // After a '.', leading zeros get apk's special treatment: "1.01" reads as a fraction.
      if (type === DIGIT_OR_ZERO && s.charCodeAt(i) === 48) {
        while (i < s.length && s.charCodeAt(i) === 48) i++;
        nt = DIGIT;
        v = -(i - c.pos);
        break;
      }
      while (i < s.length && isDigitCode(s.charCodeAt(i))) i++;
      v = s.slice(c.pos, i);
      break;
    }
    case LETTER:
      v = s.charCodeAt(i);
      i++;
      break;
    case SUFFIX: {
      const rest = s.slice(i);
      const pre = PRE_SUFFIXES.findIndex((x) => rest.startsWith(x));
      if (pre >= 0) {
        i += (PRE_SUFFIXES[pre] as string).length;
        v = pre - PRE_SUFFIXES.length;
        nt = SUFFIX_NO;
        break;
      }
      const post = POST_SUFFIXES.findIndex((x) => rest.startsWith(x));
      if (post >= 0) {
        i += (POST_SUFFIXES[post] as string).length;
        v = post;
        nt = SUFFIX_NO;
        break;
      }
      return [-1, INVALID];
    }
    default:
      return [-1, INVALID];
  }
  c.pos = i;
  if (c.pos >= s.length) return [v, END];
  if (nt !== INVALID) return [v, nt];
  return [v, nextToken(type, c)];
}

/**
 * apk-tools comparison. Never throws: garbage compares token by token up to where it stops parsing
 * (then the side that stopped on an invalid token sorts first).
 */
export function compare(a: string, b: string): number {
  if (a === b) return 0;
  const ca = new Cursor(a);
  const cb = new Cursor(b);
  let at = DIGIT;
  let bt = DIGIT;
  let av: Value = 0;
  let bv: Value = 0;
  while (at === bt && at !== END && at !== INVALID && compareValue(av, bv) === 0) {
    [av, at] = getToken(at, ca);
    [bv, bt] = getToken(bt, cb);
  }
  const d = compareValue(av, bv);
  if (d !== 0) return d;
  // A suffix without a number ("_alpha_pre2") ends on SUFFIX_NO; look at what really follows.
  if (at === SUFFIX_NO && at !== bt && !isDigitCode(a.charCodeAt(ca.pos))) [, at] = getToken(at, ca);
  if (bt === SUFFIX_NO && at !== bt && !isDigitCode(b.charCodeAt(cb.pos))) [, bt] = getToken(bt, cb);
  if (at === bt) return 0;
  // The longer version wins unless what it continues with is a pre-release suffix.
  if (at === SUFFIX) {
    const [v] = getToken(at, ca);
    if (typeof v === "number" && v < 0) return -1;
  }
  if (bt === SUFFIX) {
    const [v] = getToken(bt, cb);
    if (typeof v === "number" && v < 0) return 1;
  }
  if (at > bt) return -1;
  if (at < bt) return 1;
  return 0;
}

export function isValid(v: string): boolean {
  if (v.length === 0) return false;
  const c = new Cursor(v);
  let t = DIGIT;
  while (t !== END && t !== INVALID) [, t] = getToken(t, c);
  return t === END;
}
