import { PackageURL } from "packageurl-js";
import type { OperatingSystem, Package } from "./package.js";

/** What a purl needs from a package; analyzers' findings and SBOM entries both fit. */
export type PurlSubject = Pick<Package, "ecosystem" | "name" | "version"> &
  Partial<Pick<Package, "arch" | "epoch" | "source" | "vendor">>;

/*
 * Forms follow the purl-spec type definitions, cross-checked against what Trivy and Syft emit:
 * - deb: the version keeps its epoch ("1:2.31.1-0.4ubuntu3.1", as the spec's `attr@1:2.4.47-2`
 *   example and Syft do); no epoch qualifier. distro=<family>-<versionId>, e.g. debian-12.
 * - apk: distro=<versionId> (Trivy's form, e.g. 3.19.1).
 * - rpm: the version is version-release without the epoch, which goes to the epoch qualifier
 *   (spec: "epoch is a qualifier"), omitted when 0 like Trivy; distro=<family>-<versionId>;
 *   upstream=<source rpm file name> like Syft.
 * - language types: npm scopes, Go module paths and composer vendors become the namespace, Maven's
 *   "groupId:artifactId" splits at the colon; Go versions get back the "v" the analyzer dropped.
 * packageurl-js lowercases deb/apk names, normalises pypi names and sorts qualifiers.
 */

/** rpm purl namespaces (the vendor) by OS family: the names Trivy and Syft use. */
const RPM_NAMESPACES: Readonly<Record<string, string>> = {
  rhel: "redhat",
  centos: "centos",
  rocky: "rocky",
  almalinux: "almalinux",
  fedora: "fedora",
  amzn: "amazon",
  ol: "oracle",
  sles: "suse",
  "opensuse-leap": "opensuse",
  "opensuse-tumbleweed": "opensuse",
  opensuse: "opensuse",
  photon: "photon",
  "cbl-mariner": "mariner",
  azurelinux: "azurelinux",
  scientific: "scientific",
};

/** rpm Vendor tags that name the namespace when the OS is unknown. */
const RPM_VENDOR_NAMESPACES: ReadonlyArray<readonly [prefix: string, namespace: string]> = [
  ["red hat", "redhat"],
  ["centos", "centos"],
  ["rocky", "rocky"],
  ["almalinux", "almalinux"],
  ["fedora", "fedora"],
  ["amazon", "amazon"],
  ["oracle", "oracle"],
  ["suse", "suse"],
  ["opensuse", "opensuse"],
  ["vmware", "photon"],
  ["microsoft", "mariner"],
];

const DEB_FAMILIES = new Set(["debian", "ubuntu", "raspbian", "devuan", "kali", "linuxmint"]);
const APK_FAMILIES = new Set(["alpine", "wolfi", "chainguard", "postmarketos"]);

/** Ecosystem spellings other tools use, mapped to the purl type. */
const LANGUAGE_TYPES: Readonly<Record<string, string>> = {
  npm: "npm",
  pypi: "pypi",
  pip: "pypi",
  python: "pypi",
  golang: "golang",
  go: "golang",
  gomod: "golang",
  maven: "maven",
  gem: "gem",
  rubygems: "gem",
  composer: "composer",
  packagist: "composer",
  cargo: "cargo",
  "crates.io": "cargo",
  nuget: "nuget",
};

/** The Package URL of a package, or undefined for an ecosystem purl has no type for. */
export function packageUrl(pkg: PurlSubject, os?: OperatingSystem): string | undefined {
  const parts = purlParts(pkg, os);
  if (!parts) return undefined;
  try {
    return new PackageURL(
      parts.type,
      parts.namespace,
      parts.name,
      parts.version,
      definedOnly(parts.qualifiers),
    ).toString();
  } catch {
    // packageurl-js rejects what the spec forbids (e.g. an empty name): no purl rather than a bad one.
    return undefined;
  }
}

/** The packages with `purl` filled in where it is missing; an existing purl is kept. */
export function withPurls(packages: readonly Package[], os?: OperatingSystem): Package[] {
  return packages.map((pkg) => {
    if (pkg.purl !== undefined) return pkg;
    const purl = packageUrl(pkg, os);
    return purl === undefined ? pkg : { ...pkg, purl };
  });
}

interface PurlParts {
  type: string;
  namespace?: string;
  name: string;
  version: string;
  qualifiers?: Record<string, string | undefined>;
}

function purlParts(pkg: PurlSubject, os: OperatingSystem | undefined): PurlParts | undefined {
  const ecosystem = pkg.ecosystem.toLowerCase();
  switch (ecosystem) {
    case "deb": {
      const family = os && DEB_FAMILIES.has(os.family) ? os : undefined;
      return {
        type: "deb",
        namespace: family?.family ?? "debian",
        name: pkg.name,
        version: pkg.version,
        qualifiers: { arch: pkg.arch, distro: family ? distroOf(family) : undefined },
      };
    }
    case "apk": {
      const family = os && APK_FAMILIES.has(os.family) ? os : undefined;
      return {
        type: "apk",
        namespace: family?.family ?? "alpine",
        name: pkg.name,
        version: pkg.version,
        qualifiers: { arch: pkg.arch, distro: family?.versionId },
      };
    }
    case "rpm": {
      const family = os && RPM_NAMESPACES[os.family] !== undefined ? os : undefined;
      const { epoch, rest } = splitEpoch(pkg.version);
      const effectiveEpoch = pkg.epoch ?? epoch;
      return {
        type: "rpm",
        namespace: family ? RPM_NAMESPACES[family.family] : vendorNamespace(pkg.vendor),
        name: pkg.name,
        version: rest,
        qualifiers: {
          arch: pkg.arch,
          epoch: effectiveEpoch ? String(effectiveEpoch) : undefined,
          distro: family ? distroOf(family) : undefined,
          upstream: sourceRpm(pkg.source),
        },
      };
    }
    default: {
      const type = LANGUAGE_TYPES[ecosystem];
      return type === undefined ? undefined : languageParts(type, pkg.name, pkg.version);
    }
  }
}

/** Splits the namespace off the names that carry one: npm scopes, Go module paths, Maven groups. */
function languageParts(type: string, fullName: string, version: string): PurlParts {
  switch (type) {
    case "golang": {
      // Analyzers drop Go's "v" (as OSV ranges do); Go module versions, and so purls, carry it.
      const goVersion = /^\d/.test(version) ? `v${version}` : version;
      const slash = fullName.lastIndexOf("/");
      if (slash <= 0) return { type, name: fullName, version: goVersion };
      return {
        type,
        namespace: fullName.slice(0, slash),
        name: fullName.slice(slash + 1),
        version: goVersion,
      };
    }
    case "npm":
    case "composer": {
      const slash = fullName.lastIndexOf("/");
      if (slash <= 0) return { type, name: fullName, version };
      return { type, namespace: fullName.slice(0, slash), name: fullName.slice(slash + 1), version };
    }
    case "maven": {
      const colon = fullName.indexOf(":");
      if (colon <= 0) return { type, name: fullName, version };
      return { type, namespace: fullName.slice(0, colon), name: fullName.slice(colon + 1), version };
    }
    default:
      return { type, name: fullName, version };
  }
}

/** "<family>-<versionId>", or the codename for releases without a version id (Debian testing). */
function distroOf(os: OperatingSystem): string | undefined {
  const release = os.versionId ?? os.codename;
  return release ? `${os.family}-${release}` : undefined;
}

function vendorNamespace(vendor: string | undefined): string | undefined {
  if (!vendor) return undefined;
  const lower = vendor.toLowerCase();
  return RPM_VENDOR_NAMESPACES.find(([prefix]) => lower.startsWith(prefix))?.[1];
}

/** The source rpm file name: analyzers give either the file name itself or its name and version. */
function sourceRpm(source: PurlSubject["source"]): string | undefined {
  if (!source?.name) return undefined;
  if (source.name.endsWith(".rpm")) return source.name;
  if (!source.version) return undefined;
  return `${source.name}-${splitEpoch(source.version).rest}.src.rpm`;
}

/** "1:2.3-4" → epoch 1 and "2.3-4"; versions without an epoch are returned whole. */
export function splitEpoch(version: string): { epoch?: number; rest: string } {
  const match = /^(\d+):(.+)$/.exec(version);
  if (!match) return { rest: version };
  return { epoch: Number(match[1]), rest: match[2] as string };
}

function definedOnly(qualifiers: PurlParts["qualifiers"]): Record<string, string> | undefined {
  if (!qualifiers) return undefined;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(qualifiers)) if (value) out[key] = value;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** What a purl says about a package, for reading other tools' SBOMs. */
export interface PurlPackage {
  ecosystem: string;
  name: string;
  version?: string;
  arch?: string;
  epoch?: number;
  /** The `distro` qualifier, verbatim. */
  distro?: string;
  /** The purl namespace (deb/apk/rpm vendor). */
  namespace?: string;
  source?: { name: string; version?: string };
}

const TYPE_ECOSYSTEMS: Readonly<Record<string, string>> = { deb: "deb", apk: "apk", rpm: "rpm" };

/**
 * Reads a purl back into package fields: the inverse of `packageUrl`, tolerant of the forms other
 * tools write (Trivy's deb epoch qualifier, Syft's upstream qualifiers). Undefined when unparsable.
 */
export function parsePackageUrl(purl: string): PurlPackage | undefined {
  let parsed: PackageURL;
  try {
    parsed = PackageURL.fromString(purl);
  } catch {
    return undefined;
  }
  const q = parsed.qualifiers ?? {};
  const ecosystem = TYPE_ECOSYSTEMS[parsed.type] ?? parsed.type;
  const qualifierEpoch = q.epoch !== undefined && /^\d+$/.test(q.epoch) ? Number(q.epoch) : undefined;
  const out: PurlPackage = { ecosystem, name: parsed.name };
  if (parsed.namespace) out.namespace = parsed.namespace;
  if (q.arch) out.arch = q.arch;
  if (q.distro) out.distro = q.distro;

  let version = parsed.version;
  if (ecosystem === "rpm" || ecosystem === "deb") {
    const embedded = version === undefined ? undefined : splitEpoch(version).epoch;
    const epoch = embedded ?? qualifierEpoch;
    // Package versions carry the epoch as the package manager prints it, `[epoch:]version`.
    if (version !== undefined && embedded === undefined && epoch) version = `${epoch}:${version}`;
    if (ecosystem === "rpm" && epoch !== undefined) out.epoch = epoch;
  } else if (
    parsed.namespace &&
    (ecosystem === "npm" || ecosystem === "golang" || ecosystem === "composer")
  ) {
    out.name = `${parsed.namespace}/${parsed.name}`;
  } else if (parsed.namespace && ecosystem === "maven") {
    out.name = `${parsed.namespace}:${parsed.name}`;
  }
  if (ecosystem === "golang" && version !== undefined && /^v\d/.test(version)) version = version.slice(1);
  if (version !== undefined) out.version = version;
  const upstream = q.upstream ? parseUpstream(ecosystem, q.upstream) : undefined;
  if (upstream) out.source = upstream;
  return out;
}

/** Syft's upstream qualifier: "name" or "name@version" (deb, apk), or a source rpm file name. */
function parseUpstream(ecosystem: string, upstream: string): { name: string; version?: string } {
  if (ecosystem === "rpm") {
    const match = /^(.+)-([^-]+-[^-]+)\.src\.rpm$/.exec(upstream);
    if (match) return { name: match[1] as string, version: match[2] as string };
    return { name: upstream };
  }
  const at = upstream.indexOf("@");
  if (at <= 0) return { name: upstream };
  return { name: upstream.slice(0, at), version: upstream.slice(at + 1) };
}
