import type { MisconfigurationFinding, SecretFinding } from "../checks/types.js";
import { isOsEcosystem, type Package } from "../inventory/package.js";
import type { SeverityLevel, VulnerabilityFinding } from "../matching/finding.js";
import type { Suppression } from "../policy/types.js";
import { advisoryUrl, isHttpUrl } from "./advisory-url.js";
import { asffResource } from "./asff-resource.js";
import { cvssMethod } from "./cvss.js";
import { keyHash, misconfigurationKey, secretKey, vulnerabilityKey } from "./finding-identity.js";
import type { ScanReport } from "./scan-report.js";

export interface AsffOptions {
  /** The AWS account the findings are imported into. */
  accountId: string;
  /** The region of the Security Hub the findings are imported into. */
  region: string;
  /** Defaults to the account's own "default" product, the one for custom integrations. */
  productArn?: string;
}

/** BatchImportFindings takes at most this many findings per call. */
export const ASFF_BATCH_LIMIT = 100;

/** Documented ASFF limits the writer keeps to. */
export const ASFF_LIMITS = {
  title: 256,
  description: 1024,
  id: 512,
  referenceUrls: 10,
  productFields: 50,
  productFieldKey: 128,
  productFieldValue: 2048,
  noteText: 512,
  recommendationText: 512,
} as const;

type Label = "INFORMATIONAL" | "LOW" | "MEDIUM" | "HIGH" | "CRITICAL";

export type AsffFinding = Record<string, unknown> & {
  SchemaVersion: "2018-10-08";
  Id: string;
  ProductArn: string;
  GeneratorId: string;
  AwsAccountId: string;
  Types: string[];
  CreatedAt: string;
  UpdatedAt: string;
  Severity: { Label: Label; Original: string };
  Title: string;
  Description: string;
  Resources: Array<Record<string, unknown>>;
  RecordState: "ACTIVE";
  Workflow: { Status: "NEW" | "SUPPRESSED" };
};

/**
 * The report as AWS Security Hub findings (ASFF, BatchImportFindings), as the JSON text
 * `{"Findings": [...]}`: one finding per vulnerable package, secret and configuration finding.
 * Ids are built from the image digest and the finding's identity, never the scan time, so a
 * rescan updates the same findings. Suppressed findings are imported with workflow SUPPRESSED.
 */
export function writeAsff(report: ScanReport, options: AsffOptions): string {
  return `${JSON.stringify({ Findings: asffFindings(report, options) }, null, 2)}\n`;
}

export function asffFindings(report: ScanReport, options: AsffOptions): AsffFinding[] {
  const context = new FindingContext(report, options);
  const suppressed = report.policy?.suppressed ?? [];
  return [
    ...(report.vulnerabilities ?? []).map((f) => context.vulnerability(f)),
    ...(report.secrets ?? []).map((f) => context.secret(f)),
    ...(report.misconfigurations ?? []).map((f) => context.misconfiguration(f)),
    ...suppressed.map((s) =>
      s.kind === "vulnerability"
        ? context.vulnerability(s.finding, s.suppression)
        : s.kind === "secret"
          ? context.secret(s.finding, s.suppression)
          : context.misconfiguration(s.finding, s.suppression),
    ),
  ];
}

/** Findings in groups of at most `size` (the API's limit by default), for BatchImportFindings calls. */
export function asffBatches<T>(findings: readonly T[], size: number = ASFF_BATCH_LIMIT): T[][] {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`batch size must be a positive integer: ${size}`);
  const batches: T[][] = [];
  for (let i = 0; i < findings.length; i += size) batches.push(findings.slice(i, i + size));
  return batches;
}

class FindingContext {
  private readonly productArn: string;
  private readonly resource: Record<string, unknown>;
  private readonly packages = new Map<string, Package>();

  constructor(
    private readonly report: ScanReport,
    private readonly options: AsffOptions,
  ) {
    const partition = options.region.startsWith("cn-")
      ? "aws-cn"
      : options.region.startsWith("us-gov-")
        ? "aws-us-gov"
        : "aws";
    this.productArn =
      options.productArn ??
      `arn:${partition}:securityhub:${options.region}:${options.accountId}:product/${options.accountId}/default`;
    this.resource = asffResource(report, partition, options.region);
    for (const pkg of report.packages) this.packages.set(packageKey(pkg), pkg);
  }

  vulnerability(f: VulnerabilityFinding, suppression?: Suppression): AsffFinding {
    const pkg = this.packages.get(packageKey(f.package));
    const fixed = f.fixedVersions[0];
    const remediation = fixed ? `Upgrade ${f.package.name} to ${f.fixedVersions.join(" or ")}.` : undefined;
    const references = f.references.filter(isHttpUrl).slice(0, ASFF_LIMITS.referenceUrls);
    const method = f.severity.vector ? cvssMethod(f.severity.vector) : undefined;
    const version = splitVersion(f.package.ecosystem, f.package.version);
    const vulnerability = {
      Id: f.id,
      VulnerablePackages: [
        definedOnly({
          Name: f.package.name,
          Version: version.version,
          Epoch: version.epoch,
          Release: version.release,
          Architecture: pkg?.arch,
          PackageManager: f.package.ecosystem,
          FilePath: f.package.foundIn,
          FixedInVersion: fixed,
          Remediation: remediation,
          SourceLayerHash: f.package.layer.diffID || undefined,
        }),
      ],
      ...(f.severity.score !== undefined && method
        ? {
            Cvss: [
              definedOnly({
                Version: method.version,
                BaseScore: f.severity.score,
                BaseVector: f.severity.vector,
                Source: f.severity.source,
              }),
            ],
          }
        : {}),
      ...(f.aliases.some((a) => a !== f.id)
        ? { RelatedVulnerabilities: f.aliases.filter((a) => a !== f.id) }
        : {}),
      Vendor: definedOnly({
        Name: f.severity.source ?? "portcullis",
        Url: advisoryUrl(f.id, f.references),
        VendorSeverity: f.severity.level,
      }),
      ...(references.length > 0 ? { ReferenceUrls: references } : {}),
      FixAvailable: fixAvailable([f]),
      ExploitAvailable: f.kev ? "YES" : "NO",
      ...(f.epss ? { EpssScore: f.epss.probability } : {}),
    };
    return this.finding({
      key: vulnerabilityKey(f),
      kind: "vulnerability",
      generator: `portcullis/${isOsEcosystem(f.package.ecosystem) ? "os-packages" : "language-packages"}`,
      types: ["Software and Configuration Checks/Vulnerabilities/CVE"],
      severity: f.severity.level,
      title: `${f.id} - ${f.package.name} ${f.package.version}`,
      description: f.summary?.trim() || `${f.id} affects ${f.package.name} ${f.package.version}.`,
      remediation: remediation ?? `No fixed version of ${f.package.name} yet (${f.status}).`,
      remediationUrl: advisoryUrl(f.id, f.references),
      fields: {
        "portcullis/PackageFile": f.package.foundIn,
        "portcullis/LayerIndex": String(f.package.layer.index),
        "portcullis/Status": f.status,
        ...(f.kev ? { "portcullis/KnownExploited": "true" } : {}),
      },
      suppression,
      extra: { Vulnerabilities: [vulnerability] },
    });
  }

  secret(f: SecretFinding, suppression?: Suppression): AsffFinding {
    const where = f.present
      ? `in layer ${f.layer.index}`
      : `in layer ${f.layer.index}; deleted in layer ${f.removedIn?.index ?? "?"} but still readable from the layer`;
    return this.finding({
      key: secretKey(f),
      kind: "secret",
      generator: `portcullis/secret/${f.ruleId}`,
      types: ["Sensitive Data Identifications/Passwords"],
      severity: f.severity,
      title: `${f.title} in /${f.path}`,
      // Only the masked match: the clear value never reaches the report, let alone Security Hub.
      description: `${f.title} (${f.category}) at /${f.path} line ${f.line}: ${f.match}, ${where}.`,
      remediation: "Revoke the credential, then rebuild the image without it.",
      fields: {
        "portcullis/Path": f.path,
        "portcullis/Line": String(f.line),
        "portcullis/LayerIndex": String(f.layer.index),
        "portcullis/Present": String(f.present),
        "portcullis/Fingerprint": f.fingerprint,
      },
      suppression,
    });
  }

  misconfiguration(f: MisconfigurationFinding, suppression?: Suppression): AsffFinding {
    const cis = f.cis ?? [];
    const benchmark = this.report.compliance
      ? `${this.report.compliance.benchmark} ${this.report.compliance.version}`
      : "CIS Docker Benchmark";
    return this.finding({
      key: misconfigurationKey(f),
      kind: "misconfiguration",
      generator: `portcullis/image-config/${f.id}`,
      types:
        cis.length > 0
          ? ["Software and Configuration Checks/Industry and Regulatory Standards/CIS Docker Benchmark"]
          : ["Software and Configuration Checks"],
      severity: f.severity,
      title: `${f.id}: ${f.title}`,
      description: f.message,
      remediation: f.remediation,
      fields: {
        "portcullis/CheckId": f.id,
        ...(f.evidence && f.evidence.length > 0 ? { "portcullis/Evidence": f.evidence.join("\n") } : {}),
      },
      suppression,
      extra:
        cis.length > 0
          ? {
              Compliance: {
                Status: "FAILED",
                RelatedRequirements: cis.slice(0, 32).map((c) => `${benchmark}/${c}`),
              },
            }
          : {},
    });
  }

  private finding(spec: {
    key: string;
    kind: string;
    generator: string;
    types: string[];
    severity: SeverityLevel;
    title: string;
    description: string;
    remediation: string;
    remediationUrl?: string;
    fields: Record<string, string>;
    suppression?: Suppression;
    extra?: Record<string, unknown>;
  }): AsffFinding {
    const { artifact, createdAt } = this.report;
    const s = spec.suppression;
    return {
      SchemaVersion: "2018-10-08",
      Id: `${artifact.digest}/${spec.kind}/${keyHash(spec.key)}`.slice(0, ASFF_LIMITS.id),
      ProductArn: this.productArn,
      GeneratorId: spec.generator.slice(0, 512),
      AwsAccountId: this.options.accountId,
      Types: spec.types,
      CreatedAt: createdAt,
      UpdatedAt: createdAt,
      Severity: { Label: label(spec.severity), Original: spec.severity },
      Title: cut(spec.title, ASFF_LIMITS.title),
      Description: cut(spec.description, ASFF_LIMITS.description),
      Remediation: {
        Recommendation: definedOnly({
          Text: cut(spec.remediation, ASFF_LIMITS.recommendationText),
          Url: spec.remediationUrl,
        }),
      },
      ProductFields: productFields({
        "portcullis/ImageName": artifact.name,
        "portcullis/ImageDigest": artifact.digest,
        ...spec.fields,
      }),
      Resources: [this.resource],
      RecordState: "ACTIVE",
      Workflow: { Status: s ? "SUPPRESSED" : "NEW" },
      ...(s
        ? {
            Note: {
              Text: cut(
                `Suppressed by ${s.source}: ${s.reason}${s.expires ? ` (until ${s.expires})` : ""}`,
                ASFF_LIMITS.noteText,
              ),
              UpdatedBy: "portcullis",
              UpdatedAt: createdAt,
            },
          }
        : {}),
      ...spec.extra,
    };
  }
}

function label(level: SeverityLevel): Label {
  return level === "NEGLIGIBLE" || level === "UNKNOWN" ? "INFORMATIONAL" : level;
}

/** YES when every package has a fixed version, NO when none has, PARTIAL otherwise. */
export function fixAvailable(findings: readonly VulnerabilityFinding[]): "YES" | "NO" | "PARTIAL" {
  const fixed = findings.filter((f) => f.fixedVersions.length > 0).length;
  return fixed === 0 ? "NO" : fixed === findings.length ? "YES" : "PARTIAL";
}

/**
 * Version split the way Security Hub shows OS packages: epoch, upstream version and release
 * (dpkg revision, rpm release, apk -rN). Language packages keep the version whole.
 */
export function splitVersion(
  ecosystem: string,
  full: string,
): { version: string; epoch?: string; release?: string } {
  if (!isOsEcosystem(ecosystem)) return { version: full };
  let rest = full;
  let epoch: string | undefined;
  const epochMatch = /^(\d+):(.+)$/.exec(rest);
  if (epochMatch) {
    epoch = epochMatch[1];
    rest = epochMatch[2] as string;
  }
  const dash = rest.lastIndexOf("-");
  if (dash <= 0 || dash === rest.length - 1) return { version: rest, ...(epoch ? { epoch } : {}) };
  return { version: rest.slice(0, dash), ...(epoch ? { epoch } : {}), release: rest.slice(dash + 1) };
}

function productFields(fields: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields).slice(0, ASFF_LIMITS.productFields)) {
    if (value.trim() === "") continue; // ASFF strings must hold a non-blank character
    out[key.slice(0, ASFF_LIMITS.productFieldKey)] = cut(value, ASFF_LIMITS.productFieldValue);
  }
  return out;
}

function cut(text: string, max: number): string {
  const value = text.trim() === "" ? "-" : text;
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

function packageKey(p: Pick<Package, "ecosystem" | "name" | "version" | "foundIn">): string {
  return [p.ecosystem, p.name, p.version, p.foundIn].join("\u0000");
}

function definedOnly<T extends Record<string, unknown>>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined && v !== "")) as T;
}
