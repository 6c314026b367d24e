import { z } from "zod";
import { isDigest } from "../../image/reference.js";
import type { ScanWarning } from "../../warnings.js";
import type { OperatingSystem, Package } from "../package.js";
import { parsePackageUrl } from "../purl.js";
import { applyArtifactProperties } from "./artifact-properties.js";
import { foreignOperatingSystem, foreignPackage } from "./foreign-package.js";
import { osFromProperties, packageFromProperties, propertyMap } from "./package-properties.js";
import type { SbomArtifact, SbomInventory } from "./sbom-inventory.js";

/** CycloneDX spec versions whose JSON shape (for the parts read here) this reader knows. */
export const CYCLONEDX_VERSIONS = ["1.4", "1.5", "1.6"] as const;

// Only the parts read are checked; everything else may be anything, as the spec allows extensions.
const propertySchema = z.looseObject({ name: z.string(), value: z.string().optional() });
const licenseChoiceSchema = z.looseObject({
  license: z.looseObject({ id: z.string().optional(), name: z.string().optional() }).optional(),
  expression: z.string().optional(),
});
const hashSchema = z.looseObject({ alg: z.string(), content: z.string() });
const componentSchema = z.looseObject({
  type: z.string(),
  "bom-ref": z.string().optional(),
  name: z.string(),
  version: z.string().optional(),
  description: z.string().optional(),
  publisher: z.string().optional(),
  purl: z.string().optional(),
  hashes: z.array(hashSchema).optional(),
  licenses: z.array(licenseChoiceSchema).optional(),
  properties: z.array(propertySchema).optional(),
  get components() {
    return z.array(componentSchema).optional();
  },
});
type Component = z.infer<typeof componentSchema>;

export const cyclonedxSchema = z.looseObject({
  bomFormat: z.literal("CycloneDX"),
  specVersion: z.string(),
  metadata: z.looseObject({ component: componentSchema.optional() }).optional(),
  components: z.array(componentSchema).optional(),
});
export type CycloneDxDocument = z.infer<typeof cyclonedxSchema>;

const PACKAGE_TYPES = new Set(["library", "application", "framework"]);

/** Rebuilds the inventory from a validated CycloneDX document. */
export function readCycloneDx(bom: CycloneDxDocument): SbomInventory {
  const image = bom.metadata?.component;
  const imageProps = toMap(image?.properties);
  const artifact = artifactOf(image, imageProps);
  // Trivy lists the image's layers as repeated DiffID properties, in order.
  const diffIDs = (image?.properties ?? [])
    .filter((p) => p.name === "aquasecurity:trivy:DiffID" && p.value)
    .map((p) => p.value as string);

  let os: OperatingSystem | undefined;
  const packages: Package[] = [];
  const warnings: ScanWarning[] = [];
  let unidentified = 0;
  for (const [index, component] of flatten(bom.components ?? []).entries()) {
    const props = toMap(component.properties);
    if (component.type === "operating-system") {
      os ??=
        osFromProperties(props) ??
        foreignOperatingSystem(component.name, component.version, component.description);
      continue;
    }
    if (!PACKAGE_TYPES.has(component.type)) continue;
    const where = `CycloneDX component ${index} (${component["bom-ref"] ?? component.name})`;
    const licenses = licensesOf(component);
    const pkg =
      packageFromProperties(
        props,
        { name: component.name, version: component.version ?? "", purl: component.purl, licenses },
        where,
      ) ??
      foreignPackage(
        {
          name: component.name,
          version: component.version,
          purl: component.purl,
          licenses,
          maintainer: component.publisher,
          properties: props,
        },
        diffIDs,
      );
    if (pkg) packages.push(pkg);
    // Trivy lists each lock file as an application without a purl; only libraries are missed.
    else if (component.type !== "application" || component.purl) unidentified++;
  }
  if (unidentified > 0) {
    warnings.push({
      code: "sbom-component-skipped",
      message: `${unidentified} component(s) without a readable package URL were skipped`,
    });
  }
  return {
    format: "cyclonedx",
    specVersion: bom.specVersion,
    artifact,
    ...(os ? { os } : {}),
    packages,
    warnings,
  };
}

function artifactOf(image: Component | undefined, props: ReadonlyMap<string, string>): SbomArtifact {
  const artifact: SbomArtifact = { name: image?.name ?? "" };
  const digest = imageDigest(image, props);
  if (digest) artifact.digest = digest;
  applyArtifactProperties(artifact, props);
  return artifact;
}

/** Ours and Syft's put the digest in version; Trivy's in the oci purl and RepoDigest. */
function imageDigest(image: Component | undefined, props: ReadonlyMap<string, string>): string | undefined {
  if (!image) return undefined;
  if (image.version && isDigest(image.version)) return image.version;
  const purl = image.purl ? parsePackageUrl(image.purl) : undefined;
  if (purl?.ecosystem === "oci" && purl.version && isDigest(purl.version)) return purl.version;
  const repoDigest = props.get("aquasecurity:trivy:RepoDigest");
  const fromRepoDigest = repoDigest?.slice(repoDigest.indexOf("@") + 1);
  if (fromRepoDigest && isDigest(fromRepoDigest)) return fromRepoDigest;
  return undefined;
}

function licensesOf(component: Component): string[] | undefined {
  const out: string[] = [];
  for (const choice of component.licenses ?? []) {
    const text = choice.expression ?? choice.license?.id ?? choice.license?.name;
    if (text) out.push(text);
  }
  return out.length > 0 ? out : undefined;
}

/** Components may nest (assemblies); every level counts. */
function flatten(components: readonly Component[]): Component[] {
  const out: Component[] = [];
  const stack = [...components].reverse();
  while (stack.length > 0) {
    const next = stack.pop() as Component;
    out.push(next);
    if (next.components)
      for (let i = next.components.length - 1; i >= 0; i--) stack.push(next.components[i] as Component);
  }
  return out;
}

function toMap(properties: Component["properties"]): Map<string, string> {
  return propertyMap((properties ?? []).map((p) => ({ name: p.name, value: p.value ?? "" })));
}
