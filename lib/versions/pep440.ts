// Python versions (PEP 440), as the `packaging` library orders them. Strings that are not PEP 440
// fall back to setuptools' old LegacyVersion ordering and sort before every PEP 440 version.
import { compareDigits, compareStrings, isDigits, memoize } from "./digits.js";

// PEP 440 appendix B, with the groups we need.
const PEP440 =
  /^\s*v?(?:(?:([0-9]+)!)?([0-9]+(?:\.[0-9]+)*)(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?([0-9]+)?)?(?:(?:-([0-9]+))|(?:[-_.]?(post|rev|r)[-_.]?([0-9]+)?))?(?:[-_.]?(dev)[-_.]?([0-9]+)?)?)(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$/;

interface Pep440 {
  legacy?: string;
  epoch: string;
  release: string[];
  /** pre-release phase "a" | "b" | "rc", or undefined */
  preL?: string;
  preN: string;
  post?: string;
  dev?: string;
  local: string[];
}

const PRE_NAMES: Record<string, string> = {
  a: "a",
  alpha: "a",
  b: "b",
  beta: "b",
  c: "rc",
  rc: "rc",
  pre: "rc",
  preview: "rc",
};

function legacyKey(s: string): string {
  const parts: string[] = [];
  const tokens: string[] = s.match(/\d+|[a-z]+|\.|-/g) ?? [];
  tokens.push("final");
  for (let t of tokens) {
    if (t === ".") continue;
    t = t === "pre" || t === "preview" || t === "rc" ? "c" : t === "-" ? "final-" : t === "dev" ? "@" : t;
    const part = /^\d/.test(t) ? t.padStart(8, "0") : `*${t}`;
    if (part.startsWith("*")) {
      if (part < "*final") while (parts.length > 0 && parts[parts.length - 1] === "*final-") parts.pop();
      while (parts.length > 0 && parts[parts.length - 1] === "00000000") parts.pop();
    }
    parts.push(part);
  }
  return parts.join("");
}

export const parse = memoize((v: string): Pep440 => {
  const s = v.toLowerCase();
  const m = PEP440.exec(s);
  if (!m) return { legacy: legacyKey(s), epoch: "0", release: [], preN: "0", local: [] };
  const release = (m[2] as string).split(".");
  // Trailing zeros do not count: 1.0 == 1.0.0.
  while (release.length > 1 && compareDigits(release[release.length - 1] as string, "0") === 0) release.pop();
  const postN = m[5] ?? m[7];
  return {
    epoch: m[1] ?? "0",
    release,
    preL: m[3] ? PRE_NAMES[m[3]] : undefined,
    preN: m[4] ?? "0",
    post: m[5] !== undefined || m[6] !== undefined ? (postN ?? "0") : undefined,
    dev: m[8] ? (m[9] ?? "0") : undefined,
    local: m[10] ? m[10].split(/[-_.]/) : [],
  };
});

function compareRelease(a: string[], b: string[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = compareDigits(a[i] ?? "0", b[i] ?? "0");
    if (d !== 0) return d;
  }
  return 0;
}

// packaging's _cmpkey: a dev-only release (1.0.dev0) sorts before its pre-releases.
function preKey(v: Pep440): [number, string, string] {
  if (v.preL === undefined && v.post === undefined && v.dev !== undefined) return [-1, "", ""];
  if (v.preL === undefined) return [1, "", ""];
  return [0, v.preL, v.preN];
}

function compareLocal(a: string[], b: string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    const xn = isDigits(x);
    const yn = isDigits(y);
    const d = xn && yn ? compareDigits(x, y) : xn ? 1 : yn ? -1 : compareStrings(x, y);
    if (d !== 0) return d;
  }
  return Math.sign(a.length - b.length);
}

function compareOptional(a: string | undefined, b: string | undefined, missing: number): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? missing : -missing;
  return compareDigits(a, b);
}

/** PEP 440 ordering; invalid (legacy) strings sort before all valid versions. Never throws. */
export function compare(a: string, b: string): number {
  if (a === b) return 0;
  const x = parse(a);
  const y = parse(b);
  if (x.legacy !== undefined || y.legacy !== undefined) {
    if (x.legacy === undefined) return 1;
    if (y.legacy === undefined) return -1;
    return compareStrings(x.legacy, y.legacy);
  }
  let d = compareDigits(x.epoch, y.epoch) || compareRelease(x.release, y.release);
  if (d !== 0) return d;
  const [xp, xl, xn] = preKey(x);
  const [yp, yl, yn] = preKey(y);
  d = Math.sign(xp - yp) || compareStrings(xl, yl) || compareDigits(xn, yn);
  if (d !== 0) return d;
  return (
    compareOptional(x.post, y.post, -1) || compareOptional(x.dev, y.dev, 1) || compareLocal(x.local, y.local)
  );
}

export function isValid(v: string): boolean {
  return PEP440.test(v.toLowerCase());
}
