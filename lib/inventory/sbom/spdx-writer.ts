import { createHash } from "node:crypto";
import type { ScanReport } from "../../report/scan-report.js";
import { imagePackageUrl } from "../image-purl.js";
import type { OperatingSystem, Package } from "../package.js";
import { packageUrl } from "../purl.js";
import { artifactProperties } from "./artifact-properties.js";
import { documentUuid } from "./document-uuid.js";
import { osProperties, type Property, packageProperties } from "./package-properties.js";
import { spdxLicense } from "./spdx-license.js";

export const SPDX_MEDIA_TYPE = "application/spdx+json";

const NOASSERTION = "NOASSERTION";
export const SPDX_IMAGE_ID = "SPDXRef-Image";
export const SPDX_OS_ID = "SPDXRef-OperatingSystem";

interface Annotation {
  annotationDate: string;
  annotationType: "OTHER";
  annotator: string;
  comment: string;
}

interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  downloadLocation: string;
  filesAnalyzed: false;
  primaryPackagePurpose: "CONTAINER" | "OPERATING-SYSTEM" | "LIBRARY";
  checksums?: Array<{ algorithm: string; checksumValue: string }>;
  licenseConcluded: string;
  licenseDeclared: string;
  copyrightText: string;
  description?: string;
  sourceInfo?: string;
  externalRefs?: Array<{
    referenceCategory: "PACKAGE-MANAGER";
    referenceType: "purl";
    referenceLocator: string;
  }>;
  annotations?: Annotation[];
}

/**
 * The report as an SPDX 2.3 JSON document: the image (CONTAINER) is what the document DESCRIBES and
 * CONTAINS the OS (OPERATING-SYSTEM) and every package (LIBRARY). Declared licenses are SPDX
 * expressions, with free-text licenses as LicenseRef-… backed by hasExtractedLicensingInfos.
 * Annotations "portcullis:<name>: <value>" by "Tool: portcullis-<version>" carry what SPDX has no
 * field for, so readSbom gives back the very same packages. A pure function of the report.
 */
export function writeSpdx(report: ScanReport): string {
  const { artifact } = report;
  const created = spdxTimestamp(report.createdAt);
  const annotator = `Tool: ${report.tool.name}-${report.tool.version}`;
  const annotate = (properties: Property[]): { annotations?: Annotation[] } =>
    properties.length === 0
      ? {}
      : {
          annotations: properties.map((p) => ({
            annotationDate: created,
            annotationType: "OTHER",
            annotator,
            comment: `${p.name}: ${p.value}`,
          })),
        };
  const licenseRefs = new LicenseRefs();
  const ids = new UniqueIds();

  const imagePurl = imagePackageUrl(artifact.name, artifact.digest, artifact.platform.architecture);
  const image: SpdxPackage = {
    SPDXID: SPDX_IMAGE_ID,
    name: artifact.name,
    ...(artifact.digest ? { versionInfo: artifact.digest } : {}),
    downloadLocation: NOASSERTION,
    filesAnalyzed: false,
    primaryPackagePurpose: "CONTAINER",
    ...digestChecksums(artifact.digest),
    licenseConcluded: NOASSERTION,
    licenseDeclared: NOASSERTION,
    copyrightText: NOASSERTION,
    ...purlRef(imagePurl),
    ...annotate(artifactProperties(artifact)),
  };
  const os = report.os ? osPackage(report.os, annotate) : undefined;
  const packages = report.packages.map((pkg): SpdxPackage => {
    const purl = pkg.purl ?? packageUrl(pkg, report.os);
    return {
      SPDXID: ids.take(packageId(pkg)),
      name: pkg.name,
      versionInfo: pkg.version,
      downloadLocation: NOASSERTION,
      filesAnalyzed: false,
      primaryPackagePurpose: "LIBRARY",
      licenseConcluded: NOASSERTION,
      licenseDeclared: licenseRefs.declared(pkg.licenses ?? []),
      copyrightText: NOASSERTION,
      ...(pkg.source ? { sourceInfo: sourceInfo(pkg.source) } : {}),
      ...purlRef(purl),
      ...annotate(packageProperties(pkg, { purlDerived: pkg.purl === undefined && purl !== undefined })),
    };
  });

  const contains = (id: string) => ({
    spdxElementId: SPDX_IMAGE_ID,
    relationshipType: "CONTAINS",
    relatedSpdxElement: id,
  });
  const extracted = licenseRefs.extracted();
  const document = {
    spdxVersion: "SPDX-2.3",
    dataLicense: "CC0-1.0",
    SPDXID: "SPDXRef-DOCUMENT",
    name: artifact.name,
    documentNamespace: `urn:uuid:${documentUuid(report, "spdx")}`,
    creationInfo: { created, creators: [annotator] },
    packages: [image, ...(os ? [os] : []), ...packages],
    relationships: [
      { spdxElementId: "SPDXRef-DOCUMENT", relationshipType: "DESCRIBES", relatedSpdxElement: SPDX_IMAGE_ID },
      ...(os ? [contains(os.SPDXID)] : []),
      ...packages.map((p) => contains(p.SPDXID)),
    ],
    ...(extracted.length > 0 ? { hasExtractedLicensingInfos: extracted } : {}),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

function osPackage(
  os: OperatingSystem,
  annotate: (properties: Property[]) => { annotations?: Annotation[] },
): SpdxPackage {
  return {
    SPDXID: SPDX_OS_ID,
    name: os.family,
    ...(os.versionId ? { versionInfo: os.versionId } : {}),
    downloadLocation: NOASSERTION,
    filesAnalyzed: false,
    primaryPackagePurpose: "OPERATING-SYSTEM",
    licenseConcluded: NOASSERTION,
    licenseDeclared: NOASSERTION,
    copyrightText: NOASSERTION,
    ...(os.prettyName ? { description: os.prettyName } : {}),
    ...annotate(osProperties(os)),
  };
}

/** SPDX wants UTC to the second: "2024-01-01T00:00:00Z". */
function spdxTimestamp(iso: string): string {
  const date = new Date(iso);
  const valid = Number.isNaN(date.getTime()) ? new Date(0) : date;
  return valid.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Trivy's wording, which SBOM consumers already show. */
function sourceInfo(source: NonNullable<Package["source"]>): string {
  return `built package from: ${source.name}${source.version ? ` ${source.version}` : ""}`;
}

function purlRef(purl: string | undefined): { externalRefs?: SpdxPackage["externalRefs"] } {
  if (!purl) return {};
  return {
    externalRefs: [{ referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: purl }],
  };
}

function digestChecksums(digest: string): { checksums?: SpdxPackage["checksums"] } {
  const match = /^(sha256|sha512):([a-f0-9]+)$/.exec(digest);
  if (!match) return {};
  return {
    checksums: [
      { algorithm: match[1] === "sha256" ? "SHA256" : "SHA512", checksumValue: match[2] as string },
    ],
  };
}

/**
 * A readable, stable id: ecosystem and name for people, a short hash of the package's identity so
 * the same package keeps its id from one scan to the next. SPDX ids allow [A-Za-z0-9.-] only.
 */
function packageId(pkg: Package): string {
  const identity = JSON.stringify([
    pkg.ecosystem,
    pkg.name,
    pkg.version,
    pkg.arch,
    pkg.foundIn,
    pkg.layer.diffID,
  ]);
  const hash = createHash("sha256").update(identity).digest("hex").slice(0, 12);
  return `SPDXRef-Package-${idString(pkg.ecosystem)}-${idString(pkg.name)}-${hash}`;
}

function idString(text: string): string {
  return text.replace(/[^A-Za-z0-9.-]+/g, "-").replace(/^-+|-+$/g, "") || "x";
}

class UniqueIds {
  private readonly seen = new Map<string, number>();
  take(id: string): string {
    const count = this.seen.get(id) ?? 0;
    this.seen.set(id, count + 1);
    return count === 0 ? id : `${id}-${count + 1}`;
  }
}

/** Turns license lists into declared-license expressions, collecting the LicenseRefs they need. */
class LicenseRefs {
  private readonly byText = new Map<string, string>();
  private readonly texts = new Map<string, string>();

  declared(licenses: readonly string[]): string {
    const terms = licenses
      .filter((l) => l.trim() !== "")
      .map((text) => {
        const spdx = spdxLicense(text);
        if (spdx?.kind === "id") return spdx.id;
        if (spdx?.kind === "expression") {
          for (const ref of spdx.licenseRefs) this.define(ref, ref);
          return licenses.length > 1 && /\s(AND|OR)\s/.test(spdx.expression)
            ? `(${spdx.expression})`
            : spdx.expression;
        }
        return this.refFor(text);
      });
    return terms.length === 0 ? NOASSERTION : [...new Set(terms)].join(" AND ");
  }

  extracted(): Array<{ licenseId: string; name: string; extractedText: string }> {
    return [...this.texts].map(([licenseId, text]) => ({ licenseId, name: text, extractedText: text }));
  }

  private refFor(text: string): string {
    const known = this.byText.get(text);
    if (known) return known;
    const base = `LicenseRef-${idString(text)}`;
    let id = base;
    for (let n = 2; this.texts.has(id); n++) id = `${base}-${n}`;
    this.define(id, text);
    return id;
  }

  private define(id: string, text: string): void {
    if (this.texts.has(id)) return;
    this.texts.set(id, text);
    this.byText.set(text, id);
  }
}
