import type { OperatingSystem, Package } from "../package.js";
import { parsePackageUrl } from "../purl.js";

/** What another tool's SBOM entry offers, whichever the format. */
export interface ForeignEntry {
  name: string;
  version?: string;
  purl?: string;
  licenses?: string[];
  maintainer?: string;
  /** The source package when the format says it outright (SPDX sourceInfo). */
  source?: { name: string; version?: string };
  /** CycloneDX properties, or SPDX annotations turned into properties. */
  properties: ReadonlyMap<string, string>;
}

const TRIVY = "aquasecurity:trivy:";
const LANGUAGE_NAMESPACED = new Set(["npm", "golang", "composer", "maven"]);

/** The layer a package is in, for SBOMs that say nothing of layers. */
export const UNKNOWN_LAYER = { index: -1, diffID: "", digest: "" } as const;

/**
 * A package from another tool's SBOM, best effort: identity from the purl (ecosystem, name,
 * version with epoch, arch), the source package from Trivy's SrcName/SrcVersion/SrcRelease/SrcEpoch
 * properties, SPDX sourceInfo or Syft's `upstream` qualifier, the layer from Trivy's
 * LayerDiffID/LayerDigest or Syft's location layerID (the index from the image's DiffID list when
 * Trivy gives one), the file from Trivy's FilePath or Syft's location path.
 * Undefined without a readable purl: without one the ecosystem is a guess.
 */
export function foreignPackage(entry: ForeignEntry, diffIDs: readonly string[]): Package | undefined {
  if (!entry.purl) return undefined;
  const purl = parsePackageUrl(entry.purl);
  if (!purl) return undefined;
  const props = entry.properties;
  const osPackage = purl.ecosystem === "deb" || purl.ecosystem === "apk" || purl.ecosystem === "rpm";
  // Language purls split the name into namespace and name; ours joins them back, as analyzers do.
  const name = LANGUAGE_NAMESPACED.has(purl.ecosystem) ? purl.name : entry.name || purl.name;
  const version = purl.version ?? entry.version ?? "";

  const diffID = props.get(`${TRIVY}LayerDiffID`) ?? props.get("syft:location:0:layerID");
  const layer = diffID
    ? { index: diffIDs.indexOf(diffID), diffID, digest: props.get(`${TRIVY}LayerDigest`) ?? "" }
    : { ...UNKNOWN_LAYER };
  const foundIn = (props.get(`${TRIVY}FilePath`) ?? props.get("syft:location:0:path") ?? "").replace(
    /^\/+/,
    "",
  );

  const pkg: Package = { ecosystem: purl.ecosystem, name, version, layer, foundIn };
  if (purl.epoch !== undefined) pkg.epoch = purl.epoch;
  const source = trivySource(props) ?? entry.source ?? purl.source;
  if (source) pkg.source = source;
  else if (osPackage) pkg.source = { name, version };
  if (purl.arch) pkg.arch = purl.arch;
  if (entry.licenses && entry.licenses.length > 0) pkg.licenses = entry.licenses;
  if (entry.maintainer) pkg.maintainer = entry.maintainer;
  pkg.purl = entry.purl;
  return pkg;
}

function trivySource(props: ReadonlyMap<string, string>): Package["source"] | undefined {
  const name = props.get(`${TRIVY}SrcName`);
  if (!name) return undefined;
  const version = props.get(`${TRIVY}SrcVersion`);
  if (!version) return { name };
  const release = props.get(`${TRIVY}SrcRelease`);
  const epoch = props.get(`${TRIVY}SrcEpoch`);
  const full = `${epoch && epoch !== "0" ? `${epoch}:` : ""}${version}${release ? `-${release}` : ""}`;
  return { name, version: full };
}

/** Trivy and Syft name OS families their own way; these are the keys the rest of portcullis uses. */
const FAMILY_ALIASES: Readonly<Record<string, string>> = {
  redhat: "rhel",
  amazon: "amzn",
  oracle: "ol",
  alma: "almalinux",
  "suse linux enterprise server": "sles",
  "suse linux enterprise micro": "slem",
  "opensuse.leap": "opensuse-leap",
  "opensuse.tumbleweed": "opensuse-tumbleweed",
  opensuse: "opensuse-leap",
  mariner: "cbl-mariner",
};

/** The OS from another tool's operating-system entry: family from its name, version id, description. */
export function foreignOperatingSystem(
  name: string,
  version?: string,
  description?: string,
): OperatingSystem {
  const lower = name.trim().toLowerCase();
  const os: OperatingSystem = { family: FAMILY_ALIASES[lower] ?? lower };
  if (version) os.versionId = version;
  if (description) os.prettyName = description;
  return os;
}
