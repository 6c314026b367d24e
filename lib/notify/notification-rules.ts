import { z } from "zod";
import { PortcullisError } from "../errors.js";
import { matchGlob } from "../policy/glob.js";
import { meetsFailOn, severitySchema } from "../policy/policy-options.js";
import { firstIssue, issuePath } from "../policy/zod-issue.js";
import { type ChangedFinding, type ImageChange, imageChange, isFixable } from "./image-change.js";

/** The notification rules in the configuration are malformed. */
export class NotificationRulesError extends PortcullisError {
  override name = "NotificationRulesError";
}

const MINUTE_MS = 60_000;
const UNIT_MS = { m: MINUTE_MS, h: 60 * MINUTE_MS, d: 24 * 60 * MINUTE_MS } as const;

/** "15m", "1h", "1d": at least a minute (Slack's pace), at most a day. */
const intervalSchema = z
  .string()
  .trim()
  .regex(/^\d{1,5}[mhd]$/, 'expected a duration like "15m", "1h" or "1d"')
  .transform((text) => Number(text.slice(0, -1)) * UNIT_MS[text.slice(-1) as keyof typeof UNIT_MS])
  .refine((ms) => ms >= MINUTE_MS && ms <= UNIT_MS.d, "digest interval must be between 1m and 1d");

const snsDestinationSchema = z.strictObject({
  type: z.literal("sns"),
  topic: z.string().regex(/^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w-]{1,256}$/, "expected an SNS topic ARN"),
});

const slackDestinationSchema = z.strictObject({
  type: z.literal("slack"),
  /** A Secrets Manager id (name or ARN) holding the webhook URL: the URL itself is a credential. */
  webhookSecret: z.string().trim().min(1).max(2048),
  /** When set, changes are collected and sent as one digest per interval (milliseconds once parsed). */
  digest: intervalSchema.optional(),
});

const globList = z.array(z.string().trim().min(1)).min(1);

/**
 * One rule: which images, which findings, where to. Unknown keys are errors so a misspelt
 * `onlyKEV` cannot silently widen what is sent.
 */
export const notificationRuleSchema = z.strictObject({
  name: z.string().trim().min(1).max(128).optional(),
  /** Globs over the repository name: `*` within one "/" segment, `**` across. Default: all. */
  repositories: globList.default(["**"]),
  /** Globs over the account (ECR) or project (GAR). Default: all. */
  accounts: globList.default(["**"]),
  minSeverity: severitySchema.optional(),
  onlyFixable: z.boolean().default(false),
  onlyKev: z.boolean().default(false),
  /** EPSS probability threshold in [0, 1]; findings without a score do not pass it. */
  minEpss: z.number().min(0).max(1).optional(),
  destination: z.discriminatedUnion("type", [snsDestinationSchema, slackDestinationSchema]),
});

export const notificationRulesSchema = z.strictObject({ rules: z.array(notificationRuleSchema).default([]) });

export type NotificationRule = z.output<typeof notificationRuleSchema>;
export type NotificationDestination = NotificationRule["destination"];
export type SlackDestination = z.output<typeof slackDestinationSchema>;

/** Validates the `notifications` section; `origin` (e.g. the config file) prefixes the error. */
export function parseNotificationRules(input: unknown, origin = "notification rules"): NotificationRule[] {
  const result = notificationRulesSchema.safeParse(input ?? {});
  if (result.success) return result.data.rules;
  const { path, message } = firstIssue(result.error);
  throw new NotificationRulesError(`${origin}: ${issuePath(path)}: ${message}`, { cause: result.error });
}

/** A stable name for where a rule sends, so de-duplication is per destination, not per rule. */
export function destinationKey(destination: NotificationDestination): string {
  return destination.type === "sns" ? `sns:${destination.topic}` : `slack:${destination.webhookSecret}`;
}

export function ruleMatchesImage(change: ImageChange, rule: NotificationRule): boolean {
  return (
    rule.repositories.some((pattern) => matchGlob(pattern, change.image.repository)) &&
    rule.accounts.some((pattern) => matchGlob(pattern, change.image.account))
  );
}

/** The filters combine: a finding must pass every one the rule sets. */
export function ruleLetsThrough(finding: ChangedFinding, rule: NotificationRule): boolean {
  if (rule.minSeverity !== undefined && !meetsFailOn(finding.severity, rule.minSeverity)) return false;
  if (rule.onlyFixable && !isFixable(finding)) return false;
  if (rule.onlyKev && !finding.kev) return false;
  if (rule.minEpss !== undefined && (finding.epss === undefined || finding.epss < rule.minEpss)) return false;
  return true;
}

/**
 * What the rule lets through of a change, counts recomputed, or undefined when nothing is left
 * (the image is out of scope, or no new or resolved finding passes): then nothing is sent.
 * Resolved findings pass the same filters: a channel hears about the flaws it was told about.
 */
export function selectFindings(change: ImageChange, rule: NotificationRule): ImageChange | undefined {
  if (!ruleMatchesImage(change, rule)) return undefined;
  const newFindings = change.newFindings.filter((f) => ruleLetsThrough(f, rule));
  const resolvedFindings = change.resolvedFindings.filter((f) => ruleLetsThrough(f, rule));
  if (newFindings.length === 0 && resolvedFindings.length === 0) return undefined;
  const { counts: _, ...rest } = change;
  return imageChange({ ...rest, newFindings, resolvedFindings });
}
