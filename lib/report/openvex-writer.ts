import { createHash } from "node:crypto";
import { imagePackageUrl } from "../inventory/image-purl.js";
import { packageUrl } from "../inventory/purl.js";
import type { VulnerabilityFinding } from "../matching/finding.js";
import type { Suppression } from "../policy/types.js";
import type { ScanReport } from "./scan-report.js";
import { vexJustification } from "./vex-justification.js";

export const OPENVEX_CONTEXT = "https://openvex.dev/ns/v0.2.0";

export interface OpenVexOptions {
  /** Who makes the statements; defaults to the tool. */
  author?: string;
}

interface Component {
  "@id": string;
  identifiers?: { purl: string };
  subcomponents?: Component[];
}

interface Statement {
  vulnerability: { name: string; aliases?: string[]; description?: string };
  products: Component[];
  status: "affected" | "not_affected" | "fixed";
  justification?: string;
  impact_statement?: string;
  action_statement?: string;
  status_notes?: string;
}

/**
 * The report as an OpenVEX v0.2.0 document: one statement per vulnerability and package, whose
 * product is the image (its oci purl, pinned by digest) and subcomponent the package. Open findings
 * are "affected" with the upgrade to make; findings a VEX document or an ignore entry suppressed
 * are "not_affected" with the justification or, failing a known label, the reason as the impact
 * statement. A severity or unfixed threshold says nothing about exploitability: those findings
 * stay "affected", with the suppression in status_notes. An image with no findings gives an empty
 * statement list (the schema wants one statement; there is nothing true to state).
 */
export function writeOpenVex(report: ScanReport, options: OpenVexOptions = {}): string {
  const { artifact } = report;
  const imagePurl = imagePackageUrl(artifact.name, artifact.digest, artifact.platform.architecture);
  const image = imagePurl ?? `urn:portcullis:image:${encodeURIComponent(artifact.name)}@${artifact.digest}`;
  const entries = [
    ...(report.vulnerabilities ?? []).map((f) => ({ f, s: undefined as Suppression | undefined })),
    ...(report.policy?.suppressed ?? []).flatMap((x) =>
      x.kind === "vulnerability" ? [{ f: x.finding, s: x.suppression }] : [],
    ),
  ];
  const seen = new Set<string>();
  const statements: Statement[] = [];
  for (const { f, s } of entries) {
    const statement = statementOf(f, s, image, imagePurl !== undefined, report);
    const key = JSON.stringify(statement);
    if (seen.has(key)) continue; // the same package found twice gives one statement
    seen.add(key);
    statements.push(statement);
  }
  const doc = {
    "@context": OPENVEX_CONTEXT,
    "@id": `urn:uuid:${documentId(report)}`,
    author: options.author ?? report.tool.name,
    timestamp: report.createdAt,
    version: 1,
    tooling: `${report.tool.name} ${report.tool.version}`,
    statements,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function statementOf(
  f: VulnerabilityFinding,
  s: Suppression | undefined,
  image: string,
  imageIsPurl: boolean,
  report: ScanReport,
): Statement {
  const purl = f.package.purl ?? packageUrl(f.package, report.os);
  const subcomponent: Component = purl
    ? { "@id": purl, identifiers: { purl } }
    : {
        "@id": `urn:portcullis:package:${encodeURIComponent(`${f.package.ecosystem}/${f.package.name}@${f.package.version}`)}`,
      };
  const product: Component = {
    "@id": image,
    ...(imageIsPurl ? { identifiers: { purl: image } } : {}),
    subcomponents: [subcomponent],
  };
  const aliases = f.aliases.filter((a) => a !== f.id);
  const vulnerability = {
    name: f.id,
    ...(aliases.length > 0 ? { aliases } : {}),
    ...(f.summary?.trim() ? { description: f.summary.trim() } : {}),
  };
  const base = { vulnerability, products: [product] };
  if (s && (s.source === "vex" || s.source === "ignore-file" || s.source === "repository-policy")) {
    const label = vexJustification(s.reason);
    const notes = `Suppressed by ${s.source}${s.origin ? ` (${s.origin})` : ""}${s.expires ? `, until ${s.expires}` : ""}`;
    if (label === "fixed") return { ...base, status: "fixed", status_notes: notes };
    return label
      ? { ...base, status: "not_affected", justification: label, status_notes: notes }
      : { ...base, status: "not_affected", impact_statement: s.reason, status_notes: notes };
  }
  return {
    ...base,
    status: "affected",
    action_statement: actionOf(f),
    ...(s ? { status_notes: `Suppressed by ${s.source}: ${s.reason}` } : {}),
  };
}

function actionOf(f: VulnerabilityFinding): string {
  if (f.fixedVersions.length > 0)
    return `Upgrade ${f.package.name} from ${f.package.version} to ${f.fixedVersions.join(" or ")}.`;
  if (f.status === "will-not-fix")
    return `The distribution will not fix ${f.package.name}; remove it or mitigate.`;
  if (f.status === "end-of-life") return `The release is end of life: move to a supported base image.`;
  return `No fixed version of ${f.package.name} yet: watch for an update or mitigate.`;
}

/** Name-based, like the SBOMs' serial numbers: the same report gives the same document id. */
function documentId(report: ScanReport): string {
  const hex = createHash("sha256")
    .update(`portcullis:openvex:${report.artifact.name}:${report.artifact.digest}:${report.createdAt}`)
    .digest("hex");
  const variant = ((Number.parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}
