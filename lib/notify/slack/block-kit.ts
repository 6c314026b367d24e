import type { SeverityLevel } from "../../matching/finding.js";
import {
  type ChangedFinding,
  highestSeverity,
  type ImageChange,
  imageName,
  type SeverityCounts,
  topFindings,
} from "../image-change.js";
import { SEVERITY_ORDER } from "../scan-completed.js";

/**
 * Block Kit limits Slack enforces (it rejects the whole message with `invalid_blocks` otherwise).
 * Lengths are counted in UTF-16 units, never fewer than Slack's characters, so a pass here is a pass there.
 */
export const SLACK_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  contextText: 3000,
  /** The top-level `text`, shown in notifications; Slack truncates past 40,000, we keep it short. */
  fallbackText: 3000,
} as const;

export interface PlainText {
  type: "plain_text";
  text: string;
  emoji?: boolean;
}

export interface Mrkdwn {
  type: "mrkdwn";
  text: string;
}

export type SlackBlock =
  | { type: "header"; text: PlainText }
  | { type: "section"; text?: Mrkdwn; fields?: Mrkdwn[] }
  | { type: "context"; elements: Mrkdwn[] }
  | { type: "divider" };

/** An incoming-webhook payload. */
export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

/** Slack's three control characters: unescaped, `<!channel>` in a package name would ping a channel. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/[&<>]/g, (c) => ENTITIES[c] as string);
}

/**
 * Escapes and cuts to at most `max` units, marking a cut with "…". The cut never splits an entity
 * or a surrogate pair, and the loop stops once past `max`, so a 10 MB name costs no more than a short one.
 */
export function escapeWithin(text: string, max: number, escaping = true): string {
  let out = "";
  let cut: string | undefined;
  for (const ch of text) {
    const piece = escaping ? (ENTITIES[ch] ?? ch) : ch;
    if (cut === undefined && out.length + piece.length > max - 1) cut = out;
    out += piece;
    if (out.length > max) return `${cut ?? ""}…`;
  }
  return out;
}

/** Header text is plain_text: no escaping, only the length cap. */
export function plainWithin(text: string, max: number): string {
  return escapeWithin(oneLine(text), max, false);
}

/** Names from images may hold line breaks meant to break the layout. */
export function oneLine(text: string): string {
  return text.replace(/[\r\n\t\v\f\u2028\u2029]+/g, " ");
}

/** Inline code for untrusted names; a backtick inside would end the span early. */
export function code(text: string, max: number): string {
  return `\`${escapeWithin(oneLine(text).replace(/`/g, "'"), max)}\``;
}

const SAFE_URL = /^https?:\/\/[^\s<>|"]+$/;
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** A link when the URL is plainly safe, else just the escaped label. */
export function link(url: string | undefined, label: string, maxLabel = 200): string {
  const text = escapeWithin(oneLine(label), maxLabel).replace(/\|/g, "¦");
  if (url === undefined || url.length > 1000 || !SAFE_URL.test(url)) return text;
  return `<${escapeMrkdwn(url)}|${text}>`;
}

/** The page people expect for an id: NVD for CVEs, GitHub for GHSAs, else a reference, else OSV. */
export function advisoryUrl(finding: Pick<ChangedFinding, "id" | "references">): string | undefined {
  if (!SAFE_ID.test(finding.id)) return finding.references.find((r) => SAFE_URL.test(r));
  if (/^CVE-\d{4}-\d+$/.test(finding.id)) return `https://nvd.nist.gov/vuln/detail/${finding.id}`;
  if (/^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/.test(finding.id)) {
    return `https://github.com/advisories/${finding.id}`;
  }
  return (
    finding.references.find((r) => r.length <= 1000 && SAFE_URL.test(r)) ??
    `https://osv.dev/vulnerability/${finding.id}`
  );
}

export const SEVERITY_EMOJI: Record<SeverityLevel, string> = {
  CRITICAL: ":red_circle:",
  HIGH: ":large_orange_circle:",
  MEDIUM: ":large_yellow_circle:",
  LOW: ":large_blue_circle:",
  NEGLIGIBLE: ":white_circle:",
  UNKNOWN: ":white_circle:",
};

/** "2 critical, 1 high" over the non-zero levels; empty when all are zero. */
export function countsText(counts: SeverityCounts): string {
  return SEVERITY_ORDER.filter((level) => counts[level] > 0)
    .map((level) => `${counts[level]} ${level.toLowerCase()}`)
    .join(", ");
}

export function total(counts: SeverityCounts): number {
  return SEVERITY_ORDER.reduce((sum, level) => sum + counts[level], 0);
}

export function vulnerabilities(n: number): string {
  return `${n} ${n === 1 ? "vulnerability" : "vulnerabilities"}`;
}

/** One finding on one line, every untrusted part capped: well under a section's 3,000. */
export function findingLine(finding: ChangedFinding): string {
  const fix =
    finding.fixedVersions.length > 0
      ? `→ ${escapeWithin(oneLine(finding.fixedVersions[0] as string), 100)}`
      : "_no fix yet_";
  const parts = [
    `${SEVERITY_EMOJI[finding.severity]} *${finding.severity}* ${link(advisoryUrl(finding), finding.id)}`,
    `${code(finding.package.name, 200)} ${escapeWithin(oneLine(finding.package.version), 100)} ${fix}`,
  ];
  if (finding.kev) parts.push("*KEV*");
  if (finding.epss !== undefined) parts.push(`EPSS ${(finding.epss * 100).toFixed(1)}%`);
  return parts.join(" · ");
}

export function headerBlock(text: string): SlackBlock {
  return {
    type: "header",
    text: {
      type: "plain_text",
      text: plainWithin(text, SLACK_LIMITS.headerText) || "Portcullis",
      emoji: true,
    },
  };
}

export function sectionBlock(text: string): SlackBlock {
  return { type: "section", text: { type: "mrkdwn", text: cutMrkdwn(text, SLACK_LIMITS.sectionText) } };
}

/** Fields are already-escaped mrkdwn; at most ten are kept. */
export function fieldsBlock(fields: readonly string[]): SlackBlock {
  return {
    type: "section",
    fields: fields.slice(0, SLACK_LIMITS.fields).map((text) => ({
      type: "mrkdwn" as const,
      text: cutMrkdwn(text, SLACK_LIMITS.fieldText),
    })),
  };
}

export function contextBlock(text: string): SlackBlock {
  return { type: "context", elements: [{ type: "mrkdwn", text: cutMrkdwn(text, SLACK_LIMITS.contextText) }] };
}

/**
 * Last-resort cut for text that is already escaped mrkdwn (built from capped parts, so this rarely
 * bites): cut at a line break when one is near, else hard, never inside an entity.
 */
export function cutMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const amp = text.lastIndexOf("&", end);
  if (amp >= 0 && amp > end - 5 && text.indexOf(";", amp) >= end) end = amp;
  const line = text.lastIndexOf("\n", end);
  if (line > max / 2) end = line;
  const unit = text.charCodeAt(end - 1);
  if (unit >= 0xd800 && unit <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** Joins lines into one section's text, ending with "+N more" rather than overflowing. */
export function linesWithin(lines: readonly string[], max: number, more: (n: number) => string): string {
  let out = "";
  for (let i = 0; i < lines.length; i++) {
    const next = out === "" ? (lines[i] as string) : `${out}\n${lines[i]}`;
    const tail = i + 1 < lines.length ? `\n${more(lines.length - i - 1)}` : "";
    if (next.length + tail.length > max)
      return out === "" ? more(lines.length) : `${out}\n${more(lines.length - i)}`;
    out = next;
  }
  return out;
}

export interface ChangeMessageOptions {
  /** New findings shown one per section; capped so the message stays within 50 blocks. */
  maxFindings?: number;
  /** A link to the full report, e.g. a console or pre-signed URL. */
  reportUrl?: string;
}

export const DEFAULT_MAX_FINDINGS = 15;
/** Header, image, counts, divider, "+N more", resolved, context. */
const FIXED_BLOCKS = 7;

function changeTitle(change: ImageChange): string {
  const fresh = change.newFindings.length;
  const gone = change.resolvedFindings.length;
  const name = imageName(change.image);
  if (fresh === 0) return `:white_check_mark: ${vulnerabilities(gone)} resolved in ${name}`;
  const level = highestSeverity(change.newFindings) ?? "UNKNOWN";
  return `${SEVERITY_EMOJI[level]} ${fresh} new ${fresh === 1 ? "vulnerability" : "vulnerabilities"} in ${name}`;
}

function imageFields(change: ImageChange): string[] {
  const { image } = change;
  const fields = [
    `*Image*\n${code(imageName(image), 300)}`,
    `*Account*\n${escapeWithin(oneLine(image.account), 200)} (${escapeWithin(oneLine(image.region), 100)})`,
    `*Provider*\n${escapeWithin(image.provider, 50)}`,
    `*Reason*\n${change.reason === "rescan" ? "rescan with new advisories" : "push"}`,
    `*Digest*\n${code(image.digest, 100)}`,
  ];
  if (image.tags.length > 1) {
    fields.push(`*Tags*\n${escapeWithin(oneLine(image.tags.slice(0, 20).join(", ")), 500)}`);
  }
  return fields;
}

function countFields(change: ImageChange): string[] {
  return SEVERITY_ORDER.filter((level) => change.counts.new[level] + change.counts.resolved[level] > 0).map(
    (level) => {
      const parts = [];
      if (change.counts.new[level] > 0) parts.push(`${change.counts.new[level]} new`);
      if (change.counts.resolved[level] > 0) parts.push(`${change.counts.resolved[level]} resolved`);
      return `${SEVERITY_EMOJI[level]} *${level.charAt(0)}${level.slice(1).toLowerCase()}*\n${parts.join(" · ")}`;
    },
  );
}

/** The message for one image change: what, where, how bad, which flaws and how to fix them. */
export function buildChangeMessage(change: ImageChange, options: ChangeMessageOptions = {}): SlackMessage {
  const maxFindings = Math.max(
    0,
    Math.min(options.maxFindings ?? DEFAULT_MAX_FINDINGS, SLACK_LIMITS.blocks - FIXED_BLOCKS),
  );
  const title = changeTitle(change);
  const blocks: SlackBlock[] = [headerBlock(title), fieldsBlock(imageFields(change))];
  const counts = countFields(change);
  if (counts.length > 0) blocks.push(fieldsBlock(counts));
  const top = topFindings(change.newFindings, maxFindings);
  if (top.length > 0) {
    blocks.push({ type: "divider" });
    for (const finding of top) blocks.push(sectionBlock(findingLine(finding)));
  }
  const hidden = change.newFindings.length - top.length;
  if (hidden > 0) blocks.push(sectionBlock(`+${hidden} more new ${hidden === 1 ? "finding" : "findings"}`));
  if (change.resolvedFindings.length > 0) {
    const resolved = topFindings(change.resolvedFindings, change.resolvedFindings.length).map(
      (f) => `${SEVERITY_EMOJI[f.severity]} ~${link(advisoryUrl(f), f.id)}~ ${code(f.package.name, 200)}`,
    );
    blocks.push(
      sectionBlock(
        `*Resolved*\n${linesWithin(resolved, SLACK_LIMITS.sectionText - 20, (n) => `+${n} more resolved`)}`,
      ),
    );
  }
  const context = [`Portcullis · scanned ${escapeWithin(change.scannedAt, 40)}`];
  if (options.reportUrl !== undefined) context.push(link(options.reportUrl, "full report"));
  else if (change.reportUri !== undefined) context.push(`report ${code(change.reportUri, 500)}`);
  blocks.push(contextBlock(context.join(" · ")));
  const fallback = [title];
  const newCounts = countsText(change.counts.new);
  if (newCounts !== "") fallback.push(`(${newCounts})`);
  return { text: escapeWithin(oneLine(fallback.join(" ")), SLACK_LIMITS.fallbackText), blocks };
}

/** Every Block Kit limit this module relies on; an empty list means Slack will accept the layout. */
export function validateBlockKit(message: SlackMessage): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };
  check(message.text.length > 0 && message.text.length <= 40_000, "text must be 1..40000 characters");
  check(message.blocks.length <= SLACK_LIMITS.blocks, `more than ${SLACK_LIMITS.blocks} blocks`);
  message.blocks.forEach((block, i) => {
    if (block.type === "header") {
      const n = block.text.text.length;
      check(n > 0 && n <= SLACK_LIMITS.headerText, `blocks[${i}]: header text must be 1..150 characters`);
    } else if (block.type === "section") {
      check(block.text !== undefined || (block.fields?.length ?? 0) > 0, `blocks[${i}]: section needs text`);
      if (block.text !== undefined) {
        const n = block.text.text.length;
        check(
          n > 0 && n <= SLACK_LIMITS.sectionText,
          `blocks[${i}]: section text must be 1..3000 characters`,
        );
      }
      if (block.fields !== undefined) {
        check(block.fields.length <= SLACK_LIMITS.fields, `blocks[${i}]: more than 10 fields`);
        block.fields.forEach((field, j) => {
          const n = field.text.length;
          check(
            n > 0 && n <= SLACK_LIMITS.fieldText,
            `blocks[${i}].fields[${j}]: must be 1..2000 characters`,
          );
        });
      }
    } else if (block.type === "context") {
      const n = block.elements.length;
      check(n > 0 && n <= SLACK_LIMITS.contextElements, `blocks[${i}]: context needs 1..10 elements`);
      block.elements.forEach((element, j) => {
        const len = element.text.length;
        check(len > 0 && len <= SLACK_LIMITS.contextText, `blocks[${i}].elements[${j}]: 1..3000 characters`);
      });
    }
  });
  return problems;
}
