// Maven versions: org.apache.maven.artifact.versioning.ComparableVersion. Tokens are split at '.',
// '-' and digit/letter transitions; the separator before a token takes part in the ordering.
import { compareDigits, compareStrings, isDigits, memoize } from "./digits.js";

interface Token {
  /** "" for the first token, else "." or "-" */
  prefix: string;
  value: string;
  /** a padding token made up while comparing versions of different lengths */
  isNull?: boolean;
}

const KEYWORDS = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

function trimmable(t: Token): boolean {
  return t.value === "0" || t.value === "" || t.value === "final" || t.value === "ga";
}

export const parse = memoize((v: string): Token[] => {
  const tokens: Token[] = [];
  const raw = v.trim().split(/([.-])/);
  for (let i = 0; i < raw.length; i += 2) {
    let prefix = i === 0 ? "" : (raw[i - 1] as string);
    const piece = raw[i] as string;
    // Digit/letter transitions act like '-'.
    const chunks = piece.match(/\d+|\D+/g) ?? [""];
    chunks.forEach((chunk, j) => {
      if (j > 0) prefix = "-";
      let cur = chunk.toLowerCase();
      if (cur === "") cur = "0";
      if (cur === "cr") cur = "rc";
      if (cur === "ga" || cur === "final" || cur === "release") cur = "";
      // a1, b2, m3 are shorthands only when a number follows.
      if (j < chunks.length - 1) {
        if (cur === "a") cur = "alpha";
        else if (cur === "b") cur = "beta";
        else if (cur === "m") cur = "milestone";
      }
      if (isDigits(cur)) cur = cur.replace(/^0+(?=\d)/, "");
      tokens.push({ prefix, value: cur });
    });
  }
  // Trailing null values (0, "", final, ga) are trimmed before each remaining '-' from the end.
  let i = tokens.length - 1;
  while (i > 0) {
    if (trimmable(tokens[i] as Token)) {
      tokens.splice(i, 1);
      i--;
      continue;
    }
    while (i >= 0 && (tokens[i] as Token).prefix !== "-") i--;
    i--;
  }
  return tokens;
});

function kindOrder(t: Token): number {
  const numeric = isDigits(t.value);
  if (t.prefix === "-") return numeric ? 2 : 1;
  return numeric ? 3 : 0;
}

function keywordIndex(v: string): number {
  const i = KEYWORDS.indexOf(v);
  return i < 0 ? KEYWORDS.length : i;
}

function compareTokens(a: Token, b: Token): number {
  if (a.prefix !== b.prefix) {
    // ".qualifier" < "-qualifier" < "-number" < ".number"
    return Math.sign(kindOrder(a) - kindOrder(b));
  }
  const an = isDigits(a.value);
  const bn = isDigits(b.value);
  if (an && bn) return compareDigits(a.value, b.value);
  // Numbers sort after qualifiers unless the number is padding.
  if (an && !a.isNull) return 1;
  if (bn && !b.isNull) return -1;
  const ai = keywordIndex(a.value);
  const bi = keywordIndex(b.value);
  if (ai === KEYWORDS.length && bi === KEYWORDS.length) return compareStrings(a.value, b.value);
  return Math.sign(ai - bi);
}

function nullFor(t: Token): Token {
  if (t.prefix === "-") return { prefix: "-", value: "", isNull: true };
  // "sp" is the one qualifier above the empty release, so pad it with "" rather than 0.
  return { prefix: ".", value: t.value === "sp" ? "" : "0", isNull: true };
}

/** ComparableVersion#compareTo; any string is a valid Maven version, so this never throws. */
export function compare(a: string, b: string): number {
  if (a === b) return 0;
  const x = parse(a);
  const y = parse(b);
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const l = x[i] ?? nullFor(y[i] as Token);
    const r = y[i] ?? nullFor(x[i] as Token);
    if (l.prefix === r.prefix && l.value === r.value) continue;
    return compareTokens(l, r);
  }
  return 0;
}

/** Maven accepts any string; we reject only empty and whitespace-containing ones. */
export function isValid(v: string): boolean {
  return v.length > 0 && !/\s/.test(v);
}
