import { z } from "zod";
import { isDigest } from "../../image/reference.js";
import type { ScanWarning } from "../../warnings.js";
import type { OperatingSystem, Package } from "../package.js";
import { parsePackageUrl } from "../purl.js";
import { applyArtifactProperties } from "./artifact-properties.js";
import { foreignOperatingSystem, foreignPackage } from "./foreign-package.js";
import {
  osFromProperties,
  PROPERTY_PREFIX,
  type Property,
  packageFromProperties,
  propertyMap,
} from "./package-properties.js";
import type { SbomArtifact, SbomInventory } from "./sbom-inventory.js";

export const SPDX_VERSIONS = ["SPDX-2.2", "SPDX-2.3"] as const;

// Only the parts read are checked.
const annotationSchema = z.looseObject({ annotator: z.string().optional(), comment: z.string() });
const packageSchema = z.looseObject({
  SPDXID: z.string(),
  name: z.string(),
  versionInfo: z.string().optional(),
  description: z.string().optional(),
  primaryPackagePurpose: z.string().optional(),
  licenseDeclared: z.string().optional(),
  licenseConcluded: z.string().optional(),
  supplier: z.string().optional(),
  checksums: z.array(z.looseObject({ algorithm: z.string(), checksumValue: z.string() })).optional(),
  externalRefs: z
    .array(
      z.looseObject({
        referenceCategory: z.string(),
        referenceType: z.string(),
        referenceLocator: z.string(),
      }),
    )
    .optional(),
  annotations: z.array(annotationSchema).optional(),
  attributionTexts: z.array(z.string()).optional(),
  sourceInfo: z.string().optional(),
});
type SpdxPackage = z.infer<typeof packageSchema>;

export const spdxSchema = z.looseObject({
  spdxVersion: z.string(),
  SPDXID: z.string().optional(),
  name: z.string().optional(),
  documentDescribes: z.array(z.string()).optional(),
  packages: z.array(packageSchema).optional(),
  relationships: z
    .array(
      z.looseObject({
        spdxElementId: z.string(),
        relationshipType: z.string(),
        relatedSpdxElement: z.string(),
      }),
    )
    .optional(),
});
export type SpdxDocument = z.infer<typeof spdxSchema>;

/** Rebuilds the inventory from a validated SPDX 2.2/2.3 document. */
export function readSpdx(doc: SpdxDocument): SbomInventory {
  const packages = doc.packages ?? [];
  const imagePackage = describedImage(doc, packages);
  const imageProps = annotationProperties(imagePackage);
  const artifact: SbomArtifact = { name: imagePackage?.name ?? doc.name ?? "" };
  const digest = imageDigest(imagePackage, propertyMap(imageProps));
  if (digest) artifact.digest = digest;
  applyArtifactProperties(artifact, propertyMap(imageProps));
  const diffIDs = imageProps.filter((p) => p.name === "aquasecurity:trivy:DiffID").map((p) => p.value);

  let os: OperatingSystem | undefined;
  const found: Package[] = [];
  const warnings: ScanWarning[] = [];
  let unidentified = 0;
  for (const [index, spdx] of packages.entries()) {
    if (spdx === imagePackage) continue;
    const props = propertyMap(annotationProperties(spdx));
    // The 2.3 spec text says OPERATING-SYSTEM, its first JSON schema OPERATING_SYSTEM: both occur.
    if (
      spdx.primaryPackagePurpose === "OPERATING-SYSTEM" ||
      spdx.primaryPackagePurpose === "OPERATING_SYSTEM"
    ) {
      os ??= osFromProperties(props) ?? foreignOperatingSystem(spdx.name, spdx.versionInfo, spdx.description);
      continue;
    }
    const purl = purlOf(spdx);
    const licenses = declaredLicenses(spdx);
    const pkg =
      packageFromProperties(
        props,
        { name: spdx.name, version: spdx.versionInfo ?? "", purl, licenses },
        `SPDX package ${index} (${spdx.SPDXID})`,
      ) ??
      foreignPackage(
        {
          name: spdx.name,
          version: spdx.versionInfo,
          purl,
          licenses,
          maintainer: supplierName(spdx.supplier),
          source: sourceOf(spdx.sourceInfo),
          properties: props,
        },
        diffIDs,
      );
    if (pkg) found.push(pkg);
    else unidentified++;
  }
  if (unidentified > 0) {
    warnings.push({
      code: "sbom-component-skipped",
      message: `${unidentified} package(s) without a readable package URL were skipped`,
    });
  }
  return {
    format: "spdx",
    specVersion: doc.spdxVersion,
    artifact,
    ...(os ? { os } : {}),
    packages: found,
    warnings,
  };
}

/**
 * The package the document describes, if it is an image: a CONTAINER, or one with an oci purl.
 * Documents that describe something else (a source tree) have no image package.
 */
function describedImage(doc: SpdxDocument, packages: readonly SpdxPackage[]): SpdxPackage | undefined {
  const described = new Set(doc.documentDescribes ?? []);
  for (const r of doc.relationships ?? []) {
    if (r.spdxElementId === doc.SPDXID && r.relationshipType === "DESCRIBES")
      described.add(r.relatedSpdxElement);
    if (r.relatedSpdxElement === doc.SPDXID && r.relationshipType === "DESCRIBED_BY")
      described.add(r.spdxElementId);
  }
  const isImage = (p: SpdxPackage) =>
    p.primaryPackagePurpose === "CONTAINER" || purlOf(p)?.startsWith("pkg:oci/") === true;
  return (
    packages.find((p) => described.has(p.SPDXID) && isImage(p)) ??
    packages.find((p) => p.primaryPackagePurpose === "CONTAINER")
  );
}

function imageDigest(image: SpdxPackage | undefined, props: ReadonlyMap<string, string>): string | undefined {
  if (!image) return undefined;
  if (image.versionInfo && isDigest(image.versionInfo)) return image.versionInfo;
  const purl = purlOf(image);
  const parsed = purl ? parsePackageUrl(purl) : undefined;
  if (parsed?.ecosystem === "oci" && parsed.version && isDigest(parsed.version)) return parsed.version;
  const repoDigest = props.get("aquasecurity:trivy:RepoDigest");
  const fromRepoDigest = repoDigest?.slice(repoDigest.indexOf("@") + 1);
  if (fromRepoDigest && isDigest(fromRepoDigest)) return fromRepoDigest;
  const sha256 = image.checksums?.find((c) => c.algorithm === "SHA256")?.checksumValue.toLowerCase();
  return sha256 && isDigest(`sha256:${sha256}`) ? `sha256:${sha256}` : undefined;
}

/** Trivy's "built package from: <name> <version>". */
function sourceOf(sourceInfo: string | undefined): { name: string; version?: string } | undefined {
  const match = sourceInfo ? /^built package from: (\S+)(?: (\S+))?$/.exec(sourceInfo) : null;
  if (!match) return undefined;
  return match[2] ? { name: match[1] as string, version: match[2] } : { name: match[1] as string };
}

function purlOf(p: SpdxPackage): string | undefined {
  return p.externalRefs?.find((r) => r.referenceType === "purl")?.referenceLocator;
}

function declaredLicenses(p: SpdxPackage): string[] | undefined {
  const declared = p.licenseDeclared ?? p.licenseConcluded;
  if (!declared || declared === "NOASSERTION" || declared === "NONE") return undefined;
  return [declared];
}

/** "Person: Jane <jane@example.org>" or "Organization: Acme" → the name part. */
function supplierName(supplier: string | undefined): string | undefined {
  if (!supplier || supplier === "NOASSERTION") return undefined;
  return supplier.replace(/^(Person|Organization|Tool):\s*/, "");
}

/**
 * Annotations as properties: ours are "portcullis:<name>: <value>"; Trivy's are "<Key>: <value>"
 * (annotations since 0.51, attributionTexts before), read as its CycloneDX property
 * "aquasecurity:trivy:<Key>" so one code path serves both formats.
 */
function annotationProperties(p: SpdxPackage | undefined): Property[] {
  const out: Property[] = [];
  const comments = [...(p?.annotations ?? []).map((a) => a.comment), ...(p?.attributionTexts ?? [])];
  for (const comment of comments) {
    const match = /^([^\s:][^\s]*?): ([\s\S]*)$/.exec(comment) ?? /^([^\s:][^\s]*?):()$/.exec(comment);
    if (!match) continue;
    const name = match[1] as string;
    const value = match[2] as string;
    if (name.startsWith(PROPERTY_PREFIX)) out.push({ name, value });
    else if (/^[A-Za-z]+$/.test(name)) out.push({ name: `aquasecurity:trivy:${name}`, value });
  }
  return out;
}
