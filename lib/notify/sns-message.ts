import { type ScanCompletedDetail, SEVERITY_ORDER, truncate } from "./scan-completed.js";

/** SNS's limit for one message: body and message attributes together. */
export const MAX_SNS_MESSAGE_BYTES = 256 * 1024;
export const MAX_SUBJECT_LENGTH = 100;

export interface SnsAttribute {
  DataType: "String" | "Number";
  StringValue: string;
}

/**
 * A Publish input without TopicArn: the publisher owns the topic. The message structure stays
 * String: SNS delivers message attributes only then (not with MessageStructure "json").
 */
export interface SnsScanMessage {
  Subject: string;
  /** The JSON summary, with the short human text in its `text` field. */
  Message: string;
  MessageAttributes: Record<string, SnsAttribute>;
}

/** Attribute values are capped: they exist for filter policies, not for reading. */
const MAX_ATTRIBUTE_VALUE = 256;

/**
 * Subject rules: ASCII, no line breaks or control characters, at most 100 characters, and it
 * must start with a letter, number or punctuation mark.
 */
export function snsSubject(text: string): string {
  const ascii = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[\r\n\t]+/g, " ")
    .replace(/[^\x20-\x7e]/gu, "?")
    .trim();
  const subject = ascii.length > MAX_SUBJECT_LENGTH ? `${ascii.slice(0, MAX_SUBJECT_LENGTH - 3)}...` : ascii;
  return subject || "Portcullis scan completed";
}

function imageName(detail: ScanCompletedDetail): string {
  const tag = detail.tags[0];
  return tag !== undefined
    ? `${detail.repository}:${tag}`
    : `${detail.repository}@${detail.digest.slice(0, 19)}`;
}

/** "2 critical, 5 high, 1 medium" (non-zero levels only) or "no vulnerabilities". */
function countsText(detail: ScanCompletedDetail): string {
  const parts = SEVERITY_ORDER.filter((level) => detail.counts[level] > 0).map(
    (level) => `${detail.counts[level]} ${level.toLowerCase()}`,
  );
  return parts.length > 0 ? parts.join(", ") : "no vulnerabilities";
}

export function scanSubject(detail: ScanCompletedDetail): string {
  const level = detail.maxSeverity ?? "CLEAN";
  return snsSubject(
    `[Portcullis] ${level}: ${countsText(detail)} in ${imageName(detail)} (${detail.account})`,
  );
}

/** A few lines for e-mail and chat: what, where, how bad, where the report is. */
export function scanText(detail: ScanCompletedDetail): string {
  const lines = [
    `Portcullis scanned ${imageName(detail)} in ${detail.provider} account ${detail.account} (${detail.region}).`,
    `Digest: ${detail.digest}`,
    `Findings: ${detail.total} (${countsText(detail)}); ${detail.fixable} fixable, ${detail.kev} known exploited.`,
  ];
  if (detail.topFindings.length > 0) {
    lines.push("Most severe:");
    for (const f of detail.topFindings) {
      const fix = f.fixed !== undefined ? `fixed in ${f.fixed}` : "no fix yet";
      lines.push(`  ${f.severity} ${f.id} ${f.package} ${f.installed} (${fix})${f.kev ? " [KEV]" : ""}`);
    }
  }
  if (detail.reportUri !== undefined) lines.push(`Report: ${detail.reportUri}`);
  if (detail.sbomUri !== undefined) lines.push(`SBOM: ${detail.sbomUri}`);
  if (detail.dbBuiltAt !== undefined) lines.push(`Vulnerability DB built ${detail.dbBuiltAt}.`);
  return lines.join("\n");
}

/**
 * Ten attributes, the most SNS delivers to raw-delivery SQS subscriptions: four strings to route
 * by and six counts to threshold on, e.g. {"critical": [{"numeric": [">", 0]}]}.
 */
export function scanAttributes(detail: ScanCompletedDetail): Record<string, SnsAttribute> {
  const text = (value: string): SnsAttribute => ({
    DataType: "String",
    // SNS refuses empty attribute values.
    StringValue: truncate(value, MAX_ATTRIBUTE_VALUE) || "-",
  });
  const number = (value: number): SnsAttribute => ({ DataType: "Number", StringValue: String(value) });
  return {
    severity: text(detail.maxSeverity ?? "NONE"),
    account: text(detail.account),
    repository: text(detail.repository),
    provider: text(detail.provider),
    critical: number(detail.counts.CRITICAL),
    high: number(detail.counts.HIGH),
    medium: number(detail.counts.MEDIUM),
    low: number(detail.counts.LOW),
    fixable: number(detail.fixable),
    kev: number(detail.kev),
  };
}

/** Bytes counted against SNS's limit: body, subject and every attribute's name, type and value. */
export function snsMessageBytes(message: SnsScanMessage): number {
  let bytes = Buffer.byteLength(message.Message) + Buffer.byteLength(message.Subject);
  for (const [name, attribute] of Object.entries(message.MessageAttributes)) {
    bytes +=
      Buffer.byteLength(name) +
      Buffer.byteLength(attribute.DataType) +
      Buffer.byteLength(attribute.StringValue);
  }
  return bytes;
}

function render(detail: ScanCompletedDetail): SnsScanMessage {
  // The text first, so e-mail readers see it before the machine-readable fields.
  return {
    Subject: scanSubject(detail),
    Message: JSON.stringify({ text: scanText(detail), ...detail }, null, 1),
    MessageAttributes: scanAttributes(detail),
  };
}

/** The SNS notification for a scan; drops top findings if (improbably) the message is too big. */
export function buildSnsScanMessage(detail: ScanCompletedDetail): SnsScanMessage {
  const budget = MAX_SNS_MESSAGE_BYTES - 1024;
  let fitted = detail;
  let message = render(fitted);
  while (snsMessageBytes(message) > budget && fitted.topFindings.length > 0) {
    fitted = { ...fitted, topFindings: fitted.topFindings.slice(0, -1), topFindingsTruncated: true };
    message = render(fitted);
  }
  return message;
}
