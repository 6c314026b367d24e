import type { VulnerabilityFinding } from "../../matching/finding.js";
import { cyclonedxVulnerabilities } from "../../report/cyclonedx-vulnerabilities.js";
import type { ScanReport } from "../../report/scan-report.js";
import { imagePackageUrl } from "../image-purl.js";
import type { OperatingSystem, Package } from "../package.js";
import { packageUrl } from "../purl.js";
import { artifactProperties } from "./artifact-properties.js";
import { documentUuid } from "./document-uuid.js";
import { osProperties, type Property, packageProperties } from "./package-properties.js";
import { spdxLicense } from "./spdx-license.js";

export const CYCLONEDX_MEDIA_TYPE = "application/vnd.cyclonedx+json";

type LicenseChoice = { license: { id: string } | { name: string } } | { expression: string };

interface Component {
  "bom-ref": string;
  type: "container" | "operating-system" | "library";
  name: string;
  version?: string;
  description?: string;
  publisher?: string;
  hashes?: Array<{ alg: string; content: string }>;
  licenses?: LicenseChoice[];
  purl?: string;
  properties?: Property[];
}

/**
 * The report as a CycloneDX 1.6 JSON BOM: the image is metadata.component (type "container", with
 * its oci purl and digest), the OS and every package are components, and the dependency graph says
 * the image contains them. Properties named "portcullis:…" carry what CycloneDX has no field for,
 * so that readSbom gives back the very same packages. When the report has vulnerabilities (or the
 * policy suppressed some), the BOM also carries them as CycloneDX VEX: `vulnerabilities[]` whose
 * `affects` point at the package components. Output is a pure function of the report.
 */
export function writeCycloneDx(report: ScanReport): string {
  const { artifact } = report;
  const imagePurl = imagePackageUrl(artifact.name, artifact.digest, artifact.platform.architecture);
  const refs = new UniqueRefs();
  const image: Component = {
    "bom-ref": refs.take(imagePurl ?? `image:${artifact.name}`),
    type: "container",
    name: artifact.name,
    ...(artifact.digest ? { version: artifact.digest } : {}),
    ...digestHashes(artifact.digest),
    ...(imagePurl ? { purl: imagePurl } : {}),
    ...nonEmpty(artifactProperties(artifact)),
  };
  const os = report.os ? osComponent(report.os, refs) : undefined;
  const packages = report.packages.map((pkg) => packageComponent(pkg, report.os, refs));
  const componentRef = componentResolver(report.packages, packages, image["bom-ref"]);
  const hasVulnerabilities =
    report.vulnerabilities !== undefined ||
    (report.policy?.suppressed ?? []).some((s) => s.kind === "vulnerability");
  const vulnerabilities = hasVulnerabilities
    ? cyclonedxVulnerabilities(report, componentRef, (ref) => refs.take(ref))
    : undefined;

  const bom = {
    $schema: "http://cyclonedx.org/schema/bom-1.6.schema.json",
    bomFormat: "CycloneDX",
    specVersion: "1.6",
    serialNumber: `urn:uuid:${documentUuid(report, "cyclonedx")}`,
    version: 1,
    metadata: {
      timestamp: report.createdAt,
      tools: {
        components: [{ type: "application", name: report.tool.name, version: report.tool.version }],
      },
      component: image,
    },
    components: [...(os ? [os] : []), ...packages],
    dependencies: [
      {
        ref: image["bom-ref"],
        dependsOn: [...(os ? [os["bom-ref"]] : []), ...packages.map((c) => c["bom-ref"])],
      },
    ],
    ...(vulnerabilities ? { vulnerabilities } : {}),
  };
  return `${JSON.stringify(bom, null, 2)}\n`;
}

function osComponent(os: OperatingSystem, refs: UniqueRefs): Component {
  return {
    "bom-ref": refs.take(`os:${os.family}${os.versionId ? `@${os.versionId}` : ""}`),
    type: "operating-system",
    name: os.family,
    ...(os.versionId ? { version: os.versionId } : {}),
    ...(os.prettyName ? { description: os.prettyName } : {}),
    properties: osProperties(os),
  };
}

function packageComponent(pkg: Package, os: OperatingSystem | undefined, refs: UniqueRefs): Component {
  const purl = pkg.purl ?? packageUrl(pkg, os);
  const licenses = cyclonedxLicenses(pkg.licenses ?? []);
  return {
    "bom-ref": refs.take(purl ?? `${pkg.ecosystem}:${pkg.name}@${pkg.version}`),
    type: "library",
    name: pkg.name,
    version: pkg.version,
    ...(pkg.maintainer ? { publisher: pkg.maintainer } : {}),
    ...(licenses.length > 0 ? { licenses } : {}),
    ...(purl ? { purl } : {}),
    properties: packageProperties(pkg, {
      purlDerived: pkg.purl === undefined && purl !== undefined,
    }),
  };
}

/**
 * The component a finding's package is: the package at the same file with the same name and
 * version, else one with the finding's purl; the image itself when the package is not listed.
 */
function componentResolver(
  packages: readonly Package[],
  components: readonly Component[],
  imageRef: string,
): (finding: VulnerabilityFinding) => string {
  const byPackage = new Map<string, string>();
  const byPurl = new Map<string, string>();
  packages.forEach((pkg, i) => {
    const component = components[i];
    if (!component) return;
    const key = packageKey(pkg.ecosystem, pkg.name, pkg.version, pkg.foundIn);
    if (!byPackage.has(key)) byPackage.set(key, component["bom-ref"]);
    if (component.purl && !byPurl.has(component.purl)) byPurl.set(component.purl, component["bom-ref"]);
  });
  return ({ package: p }) =>
    byPackage.get(packageKey(p.ecosystem, p.name, p.version, p.foundIn)) ??
    (p.purl ? byPurl.get(p.purl) : undefined) ??
    imageRef;
}

function packageKey(ecosystem: string, name: string, version: string, foundIn: string): string {
  return [ecosystem, name, version, foundIn].join("\u0000");
}

/**
 * CycloneDX allows either license entries or a single SPDX expression, not both. One license
 * string becomes an id, an expression or a name; several become ids or names each.
 */
export function cyclonedxLicenses(licenses: readonly string[]): LicenseChoice[] {
  const present = licenses.filter((l) => l.trim() !== "");
  if (present.length === 1) {
    const text = present[0] as string;
    const spdx = spdxLicense(text);
    if (spdx?.kind === "id") return [{ license: { id: spdx.id } }];
    if (spdx?.kind === "expression") return [{ expression: spdx.expression }];
    return [{ license: { name: text } }];
  }
  return present.map((text) => {
    const spdx = spdxLicense(text);
    return spdx?.kind === "id" ? { license: { id: spdx.id } } : { license: { name: text } };
  });
}

function digestHashes(digest: string): { hashes?: Component["hashes"] } {
  const match = /^(sha256|sha512):([a-f0-9]+)$/.exec(digest);
  if (!match) return {};
  return { hashes: [{ alg: match[1] === "sha256" ? "SHA-256" : "SHA-512", content: match[2] as string }] };
}

function nonEmpty(properties: Property[]): { properties?: Property[] } {
  return properties.length > 0 ? { properties } : {};
}

/** bom-refs must be unique; the same purl twice (a package in two databases) gets a suffix. */
class UniqueRefs {
  private readonly seen = new Map<string, number>();
  take(ref: string): string {
    const count = this.seen.get(ref) ?? 0;
    this.seen.set(ref, count + 1);
    return count === 0 ? ref : `${ref}#${count + 1}`;
  }
}
