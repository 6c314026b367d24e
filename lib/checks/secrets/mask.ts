import { createHash } from "node:crypto";

/**
 * Stars shown for the hidden part, at most: a PEM body would otherwise put kilobytes of "*" in
 * every report, and the exact length tells a reader nothing useful.
 */
export const MAX_MASK_STARS = 32;

/**
 * The secret as reports show it: at most 4 leading characters, fewer for short values (a quarter
 * of the length, so an 8-character password shows 2), the rest as "*".
 */
export function maskSecret(value: string): string {
  const keep = Math.min(4, Math.floor(value.length / 4));
  const hidden = Math.max(1, Math.min(MAX_MASK_STARS, value.length - keep));
  return `${value.slice(0, keep)}${"*".repeat(hidden)}`;
}

/** "sha256:<hex>" of the clear value (UTF-8): the same key leaked twice has the same fingerprint. */
export function fingerprintSecret(value: string): string {
  return `sha256:${createHash("sha256").update(value, "utf8").digest("hex")}`;
}
