import type { MisconfigurationFinding, SecretFinding } from "../checks/types.js";
import type { SeverityLevel, VulnerabilityFinding } from "../matching/finding.js";
import type { Suppression } from "../policy/types.js";
import { advisoryUrl } from "./advisory-url.js";
import { keyHash, misconfigurationKey, secretKey, vulnerabilityKey } from "./finding-identity.js";
import { linkDestination, escapeMarkdown as md } from "./markdown-text.js";
import type { ScanReport } from "./scan-report.js";
import { compareSeverity } from "./severity.js";

export const SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json";

export interface SarifOptions {
  /** tool.driver.informationUri and the help link of secret and check rules; omitted when not given. */
  informationUri?: string;
}

type Level = "error" | "warning" | "note";

interface Rule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  helpUri?: string;
  help: { text: string; markdown: string };
  defaultConfiguration: { level: Level };
  properties: { tags: string[]; "security-severity"?: string; precision: string };
}

interface Result {
  ruleId: string;
  ruleIndex: number;
  level: Level;
  message: { text: string };
  locations: Array<{
    physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
    message?: { text: string };
  }>;
  partialFingerprints: Record<string, string>;
  suppressions?: Array<{ kind: "external"; status: "accepted"; justification: string }>;
  properties?: Record<string, unknown>;
}

/** GitHub ranks code-scanning alerts by this number: >= 9 critical, >= 7 high, >= 4 medium. */
const SECURITY_SEVERITY: Partial<Record<SeverityLevel, string>> = {
  CRITICAL: "9.5",
  HIGH: "8.0",
  MEDIUM: "5.5",
  LOW: "2.0",
  NEGLIGIBLE: "1.0",
};

const FINGERPRINT = "portcullis/v1";

/**
 * The report as one SARIF 2.1.0 run that GitHub code scanning accepts: a rule per vulnerability
 * id, secret rule and configuration check, and a result per finding located in the file of the
 * image it was found in (the package database, the file holding the secret; the image reference
 * for configuration findings) at line 1 or the secret's line. Findings the policy suppressed are
 * results with an external suppression, so code scanning shows them as dismissed.
 */
export function writeSarif(report: ScanReport, options: SarifOptions = {}): string {
  const rules = new RuleSet();
  const results: Result[] = [];
  const suppressed = report.policy?.suppressed ?? [];
  const imageUri = artifactUri(report.artifact.name);

  const vulns = [
    ...(report.vulnerabilities ?? []).map((f) => ({ f, s: undefined as Suppression | undefined })),
    ...suppressed.flatMap((x) => (x.kind === "vulnerability" ? [{ f: x.finding, s: x.suppression }] : [])),
  ];
  for (const { f, s } of vulns) {
    const index = rules.add(vulnerabilityRule(f));
    results.push(
      withSuppression(
        {
          ruleId: f.id,
          ruleIndex: index,
          level: level(f.severity.level),
          message: { text: vulnerabilityMessage(f) },
          locations: [location(f.package.foundIn, 1, `${f.package.name} ${f.package.version}`)],
          partialFingerprints: { [FINGERPRINT]: keyHash(vulnerabilityKey(f)) },
          properties: {
            package: f.package.name,
            installedVersion: f.package.version,
            layer: f.package.layer.index,
          },
        },
        s,
      ),
    );
  }

  const secrets = [
    ...(report.secrets ?? []).map((f) => ({ f, s: undefined as Suppression | undefined })),
    ...suppressed.flatMap((x) => (x.kind === "secret" ? [{ f: x.finding, s: x.suppression }] : [])),
  ];
  for (const { f, s } of secrets) {
    const index = rules.add(secretRule(f, options.informationUri));
    results.push(
      withSuppression(
        {
          ruleId: f.ruleId,
          ruleIndex: index,
          level: level(f.severity),
          message: { text: secretMessage(f) },
          locations: [location(f.path, f.line)],
          // The fingerprint is a hash of the clear value; the value itself never gets here.
          partialFingerprints: { [FINGERPRINT]: keyHash(secretKey(f)) },
          properties: { layer: f.layer.index, present: f.present },
        },
        s,
      ),
    );
  }

  const misconfigurations = [
    ...(report.misconfigurations ?? []).map((f) => ({ f, s: undefined as Suppression | undefined })),
    ...suppressed.flatMap((x) => (x.kind === "misconfiguration" ? [{ f: x.finding, s: x.suppression }] : [])),
  ];
  for (const { f, s } of misconfigurations) {
    const index = rules.add(misconfigurationRule(f, options.informationUri));
    results.push(
      withSuppression(
        {
          ruleId: f.id,
          ruleIndex: index,
          level: level(f.severity),
          message: { text: f.message },
          locations: [
            { physicalLocation: { artifactLocation: { uri: imageUri }, region: { startLine: 1 } } },
          ],
          partialFingerprints: { [FINGERPRINT]: keyHash(misconfigurationKey(f)) },
        },
        s,
      ),
    );
  }

  const log = {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "portcullis",
            version: report.tool.version,
            semanticVersion: report.tool.version,
            ...(options.informationUri ? { informationUri: options.informationUri } : {}),
            rules: rules.list,
          },
        },
        automationDetails: { id: `portcullis/${report.artifact.name}/` },
        results,
        properties: {
          imageName: report.artifact.name,
          imageDigest: report.artifact.digest,
          ...(report.policy ? { policyResult: report.policy.result } : {}),
        },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

/** Rules in first-seen order; a rule seen again keeps the higher severity of its findings. */
class RuleSet {
  readonly list: Rule[] = [];
  private readonly index = new Map<string, number>();
  private readonly levels = new Map<string, SeverityLevel>();

  add(rule: Rule & { severity: SeverityLevel }): number {
    const { severity, ...descriptor } = rule;
    const known = this.index.get(rule.id);
    if (known === undefined) {
      this.index.set(rule.id, this.list.length);
      this.levels.set(rule.id, severity);
      this.list.push(descriptor);
      return this.list.length - 1;
    }
    if (compareSeverity(severity, this.levels.get(rule.id) ?? "UNKNOWN") < 0) {
      this.levels.set(rule.id, severity);
      this.list[known] = descriptor;
    }
    return known;
  }
}

function vulnerabilityRule(f: VulnerabilityFinding): Rule & { severity: SeverityLevel } {
  const url = advisoryUrl(f.id, f.references);
  const summary = oneLine(f.summary) || f.id;
  const score =
    f.severity.score !== undefined ? f.severity.score.toFixed(1) : SECURITY_SEVERITY[f.severity.level];
  const aliases = f.aliases.filter((a) => a !== f.id);
  const known = aliases.length > 0 ? `Also known as: ${aliases.join(", ")}` : "";
  return {
    id: f.id,
    name: "PackageVulnerability",
    shortDescription: { text: summary },
    fullDescription: { text: f.summary?.trim() || summary },
    helpUri: url,
    help: {
      text: [`Vulnerability ${f.id}`, `Severity: ${f.severity.level}`, known, url].filter(Boolean).join("\n"),
      markdown: [
        `**Vulnerability ${md(f.id)}**: ${md(summary)}`,
        `Severity: ${f.severity.level}${score ? ` (${score})` : ""}`,
        ...(known ? [md(known)] : []),
        `[${md(f.id)}](${linkDestination(url)})`,
      ].join("\n\n"),
    },
    defaultConfiguration: { level: level(f.severity.level) },
    properties: {
      tags: ["vulnerability", "security", f.severity.level, ...(f.kev ? ["kev"] : [])],
      ...(score !== undefined ? { "security-severity": score } : {}),
      precision: "very-high",
    },
    severity: f.severity.level,
  };
}

function secretRule(
  f: SecretFinding,
  informationUri: string | undefined,
): Rule & { severity: SeverityLevel } {
  const text = `${f.title}: a ${f.category} credential is stored in the image.`;
  return {
    id: f.ruleId,
    name: "Secret",
    shortDescription: { text: f.title },
    fullDescription: { text },
    ...(informationUri ? { helpUri: informationUri } : {}),
    help: {
      text: `${text} Revoke it, then rebuild the image without it: deleting it in a later layer does not remove it from the image.`,
      markdown: `**${md(f.title)}** (${md(f.category)})\n\nRevoke the credential, then rebuild the image without it: deleting it in a later layer does not remove it from the image.`,
    },
    defaultConfiguration: { level: level(f.severity) },
    properties: {
      tags: ["secret", "security", f.severity],
      "security-severity": SECURITY_SEVERITY[f.severity] ?? "5.5",
      precision: "high",
    },
    severity: f.severity,
  };
}

function misconfigurationRule(
  f: MisconfigurationFinding,
  informationUri: string | undefined,
): Rule & { severity: SeverityLevel } {
  const cis = f.cis && f.cis.length > 0 ? ` (CIS Docker Benchmark ${f.cis.join(", ")})` : "";
  return {
    id: f.id,
    name: "ImageConfiguration",
    shortDescription: { text: f.title },
    fullDescription: { text: `${f.title}${cis}` },
    ...(informationUri ? { helpUri: informationUri } : {}),
    help: { text: f.remediation, markdown: `**${md(f.title)}**${md(cis)}\n\n${md(f.remediation)}` },
    defaultConfiguration: { level: level(f.severity) },
    properties: {
      tags: ["misconfiguration", "security", f.severity, ...(f.cis ?? []).map((c) => `CIS-${c}`)],
      "security-severity": SECURITY_SEVERITY[f.severity] ?? "5.5",
      precision: "very-high",
    },
    severity: f.severity,
  };
}

function vulnerabilityMessage(f: VulnerabilityFinding): string {
  const fixed =
    f.fixedVersions.length > 0 ? `Fixed in: ${f.fixedVersions.join(", ")}` : `Status: ${f.status}`;
  return [
    `Package: ${f.package.name}`,
    `Installed version: ${f.package.version}`,
    `Vulnerability: ${f.id}`,
    `Severity: ${f.severity.level}`,
    fixed,
    ...(f.kev ? ["Known exploited (CISA KEV)"] : []),
  ].join("\n");
}

function secretMessage(f: SecretFinding): string {
  const where = f.present
    ? `in layer ${f.layer.index}`
    : `in layer ${f.layer.index}, removed in layer ${f.removedIn?.index ?? "?"} but still readable from the layer`;
  return `${f.title} (${f.category}): ${f.match} ${where}`;
}

function location(path: string, line: number, message?: string): Result["locations"][number] {
  return {
    physicalLocation: {
      artifactLocation: { uri: artifactUri(path) },
      region: { startLine: Math.max(1, line) },
    },
    ...(message ? { message: { text: message } } : {}),
  };
}

function withSuppression(result: Result, suppression: Suppression | undefined): Result {
  if (!suppression) return result;
  const justification = `${suppression.source}: ${suppression.reason}${suppression.expires ? ` (until ${suppression.expires})` : ""}`;
  return { ...result, suppressions: [{ kind: "external", status: "accepted", justification }] };
}

/** A relative URI for a path in the image, each segment percent-encoded (a ":" must not read as a scheme). */
export function artifactUri(path: string): string {
  const segments = path.split("/").filter((s) => s !== "" && s !== ".");
  return segments.length > 0 ? segments.map(encodeURIComponent).join("/") : "image";
}

function level(severity: SeverityLevel): Level {
  if (severity === "CRITICAL" || severity === "HIGH") return "error";
  if (severity === "MEDIUM") return "warning";
  return "note";
}

function oneLine(text: string | undefined): string {
  return (text ?? "").trim().split("\n")[0]?.trim() ?? "";
}
