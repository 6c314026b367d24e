import { z } from "zod";

/** One ignore entry, from an ignore file or a repository policy in the server configuration. */
export interface IgnoreRule {
  /**
   * A vulnerability id or any of its aliases, a secret rule id or secret fingerprint ("sha256:..."),
   * or a misconfiguration check id.
   */
  id: string;
  /** Narrows the entry to one package: its name, or a purl (version optional, qualifiers ignored). */
  package?: string;
  /** Narrows the entry to findings whose path (secret file, package foundIn) matches this glob. */
  path?: string;
  reason?: string;
  /** As written: "2025-06-30" (through the end of that day, UTC) or an ISO date-time with a zone. */
  expires?: string;
  /** The file or configuration entry the rule came from, for the report. */
  origin?: string;
  /** Where the rule came from; decides the suppression's `source`. Default "ignore-file". */
  source?: "ignore-file" | "repository-policy";
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
// A zone is required: "through 10:00" means nothing without one, and local time differs per runner.
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/i;

/** The instant (ms since epoch) an entry stops applying; NaN when `expires` is not a valid date. */
export function expiryInstant(expires: string): number {
  const date = DATE_RE.exec(expires);
  if (date) {
    const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const start = Date.UTC(y, m - 1, d);
    // Date.UTC rolls 2025-02-30 over to March; a date that does not round-trip is not a date.
    const check = new Date(start);
    if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) return NaN;
    return start + 24 * 60 * 60 * 1000;
  }
  if (DATETIME_RE.test(expires)) return Date.parse(expires);
  return NaN;
}

/**
 * True when the entry has an expiry and `now` is at or past it. An unreadable expiry (only possible
 * for rules built in code; parsed ones are validated) counts as expired: an exception fails closed.
 */
export function isIgnoreExpired(rule: IgnoreRule, now: Date): boolean {
  if (rule.expires === undefined) return false;
  const instant = expiryInstant(rule.expires);
  return Number.isNaN(instant) || now.getTime() >= instant;
}

/** YAML 1.1 loaders and JS callers hand over Date objects; keep the day when it is midnight UTC. */
function expiresText(value: string | Date): string {
  if (typeof value === "string") return value.trim();
  const iso = value.toISOString();
  return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : iso;
}

const expiresSchema = z
  .union([z.string(), z.date()], { error: "must be a date (2025-06-30) or a date-time with a zone" })
  .transform(expiresText)
  .refine((s) => !Number.isNaN(expiryInstant(s)), {
    error: "must be a date (2025-06-30) or an ISO date-time with a zone (2025-06-30T12:00:00Z)",
  });

const nonEmpty = z.string().trim().min(1, { error: "must not be empty" });

/**
 * One entry as written in YAML or JSON. Unknown keys are errors: a misspelt `expire:` would
 * otherwise make a temporary exception permanent.
 */
export const ignoreEntrySchema = z.strictObject({
  id: nonEmpty,
  package: nonEmpty.optional(),
  path: nonEmpty.optional(),
  reason: z.string().optional(),
  expires: expiresSchema.optional(),
});

export type IgnoreEntry = z.infer<typeof ignoreEntrySchema>;

/** Turns a validated entry into a rule, dropping absent fields so reports stay small. */
export function ruleFromEntry(entry: IgnoreEntry, origin: string, source: IgnoreRule["source"]): IgnoreRule {
  const rule: IgnoreRule = { id: entry.id, origin, source };
  if (entry.package !== undefined) rule.package = entry.package;
  if (entry.path !== undefined) rule.path = entry.path.replace(/^\/+/, "");
  if (entry.reason !== undefined) rule.reason = entry.reason;
  if (entry.expires !== undefined) rule.expires = entry.expires;
  return rule;
}
