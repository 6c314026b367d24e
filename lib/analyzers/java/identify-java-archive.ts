import type { PackageFinding } from "../types.js";
import { parseArchiveFileName } from "./java-archive-names.js";
import type { JarManifest } from "./parse-manifest.js";
import type { PomProperties } from "./parse-pom-properties.js";

export const MAVEN_ECOSYSTEM = "maven";

/** What one archive (not counting the archives nested in it) says about itself. */
export interface JavaArchiveMetadata {
  /** The archive's own file name, e.g. "commons-lang3-3.12.0.jar". */
  fileName: string;
  /** Every META-INF/maven/.../pom.properties in the archive. */
  poms: PomProperties[];
  manifest?: JarManifest;
}

/**
 * The Maven artifacts an archive holds, most reliable evidence first:
 *
 * 1. Every pom.properties with groupId, artifactId and version (Trivy and Syft agree): a shaded
 *    or fat jar reports each artifact it embeds. When there is one, nothing else is guessed.
 *    (Trivy, offline, also adds a manifest-derived package when no pom.properties matches the file
 *    name; that reports renamed jars twice, once under a made-up name, so we do not.)
 * 2. Otherwise one artifact pieced together field by field:
 *    - artifactId: the file name (Syft: "the next-best reference"), else Implementation-Title,
 *      Specification-Title, Bundle-Name (Trivy's order);
 *    - version: the file name's version (Syft), else Implementation-Version,
 *      Specification-Version, Plugin-Version, Bundle-Version (Syft's order);
 *    - groupId: Implementation-Vendor-Id, else Bundle-SymbolicName without its last segment,
 *      else Implementation-Vendor, Specification-Vendor (Trivy's order), skipping free-text
 *      vendors ("The Apache Software Foundation") that cannot be a groupId.
 *    The name is "groupId:artifactId", or the bare artifactId when no groupId is known. An
 *    artifact without a version is not reported.
 */
export function identifyJavaArchive(meta: JavaArchiveMetadata): PackageFinding[] {
  const fromPoms = meta.poms.flatMap((pom) =>
    pom.groupId && pom.artifactId && pom.version
      ? [mavenPackage(`${pom.groupId}:${pom.artifactId}`, pom.version)]
      : [],
  );
  if (fromPoms.length > 0) return fromPoms;

  const fromFile = parseArchiveFileName(meta.fileName);
  const main = meta.manifest?.main ?? new Map<string, string>();
  const artifactId =
    fromFile.name ?? first(main, ["implementation-title", "specification-title", "bundle-name"]);
  const version =
    fromFile.version ??
    first(main, ["implementation-version", "specification-version", "plugin-version", "bundle-version"]);
  if (!artifactId || !version) return [];
  const groupId = manifestGroupId(main);
  return [mavenPackage(groupId ? `${groupId}:${artifactId}` : artifactId, version)];
}

function mavenPackage(name: string, version: string): PackageFinding {
  return { ecosystem: MAVEN_ECOSYSTEM, name, version };
}

/** The first usable value; "%key" values are localisation placeholders, not values. */
function first(main: Map<string, string>, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = main.get(name);
    if (value && !value.startsWith("%")) return value;
  }
  return undefined;
}

const GROUP_ID = /^[A-Za-z0-9_.-]+$/;

function manifestGroupId(main: Map<string, string>): string | undefined {
  const vendorId = first(main, ["implementation-vendor-id"]);
  if (vendorId && GROUP_ID.test(vendorId)) return vendorId;
  // "org.apache.commons.lang3;singleton:=true" → "org.apache.commons"
  const symbolic = first(main, ["bundle-symbolicname"])?.split(";")[0]?.trim();
  if (symbolic && GROUP_ID.test(symbolic)) {
    const dot = symbolic.lastIndexOf(".");
    return dot > 0 ? symbolic.slice(0, dot) : symbolic;
  }
  for (const name of ["implementation-vendor", "specification-vendor"]) {
    const vendor = first(main, [name]);
    if (vendor && GROUP_ID.test(vendor)) return vendor;
  }
  return undefined;
}
