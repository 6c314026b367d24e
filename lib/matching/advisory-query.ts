import type { OperatingSystem, Package } from "../inventory/package.js";

/** What to look up in the advisory database for one installed package. */
export interface AdvisoryQuery {
  /** OSV ecosystem string, e.g. "Debian:12", "Alpine:v3.19", "Ubuntu:22.04:LTS", "npm". */
  ecosystem: string;
  /** The name advisories use: the source package for OS distributions. */
  name: string;
  /** The version to compare: the source version for Debian and Ubuntu, as their trackers do. */
  version: string;
}

const LANGUAGE_ECOSYSTEMS: Readonly<Record<string, string>> = {
  npm: "npm",
  pypi: "PyPI",
  golang: "Go",
  maven: "Maven",
  gem: "RubyGems",
  composer: "Packagist",
  cargo: "crates.io",
  nuget: "NuGet",
};

/**
 * Maps an installed package to the advisories that can concern it. OS packages match only their
 * own distribution release's advisories, by source package; never another ecosystem, never CPEs.
 * A language package that an OS package installed is matched through that OS package instead,
 * so one flaw is reported once. Returns no query when nothing can apply (unknown distro, EOL
 * release without a key, the Node.js runtime, which OSV does not track).
 */
export function advisoryQueries(pkg: Package, os: OperatingSystem | undefined): AdvisoryQuery[] {
  if (pkg.ownedBy) return [];
  const language = LANGUAGE_ECOSYSTEMS[pkg.ecosystem];
  if (language) return [{ ecosystem: language, name: pkg.name, version: pkg.version }];
  if (!os) return [];
  const sourceName = pkg.source?.name ?? pkg.name;
  switch (pkg.ecosystem) {
    case "deb":
      return debQueries(pkg, sourceName, os);
    case "apk":
      return apkQueries(pkg, sourceName, os);
    case "rpm":
      return rpmQueries(pkg, sourceName, os);
    default:
      return [];
  }
}

function debQueries(pkg: Package, sourceName: string, os: OperatingSystem): AdvisoryQuery[] {
  const version = pkg.source?.version ?? pkg.version;
  if (os.family === "debian" && os.release)
    return [{ ecosystem: `Debian:${os.release}`, name: sourceName, version }];
  if (os.family === "ubuntu" && os.release) {
    // Ubuntu's OSV keys carry ":LTS" for LTS releases (even years, .04).
    const lts = /^\d*[02468]\.04$/.test(os.release);
    return [{ ecosystem: `Ubuntu:${os.release}${lts ? ":LTS" : ""}`, name: sourceName, version }];
  }
  return [];
}

function apkQueries(pkg: Package, sourceName: string, os: OperatingSystem): AdvisoryQuery[] {
  switch (os.family) {
    case "alpine":
      return os.release
        ? [{ ecosystem: `Alpine:v${os.release}`, name: sourceName, version: pkg.version }]
        : [];
    case "wolfi":
      return [{ ecosystem: "Wolfi", name: sourceName, version: pkg.version }];
    case "chainguard":
      return [{ ecosystem: "Chainguard", name: sourceName, version: pkg.version }];
    default:
      return [];
  }
}

const RPM_DISTROS: Readonly<Record<string, string>> = {
  rhel: "Red Hat",
  rocky: "Rocky Linux",
  almalinux: "AlmaLinux",
  "opensuse-leap": "openSUSE:Leap",
  sles: "SUSE:Linux Enterprise Server",
  photon: "Photon OS",
  azurelinux: "Azure Linux",
  "cbl-mariner": "Azure Linux",
  mageia: "Mageia",
};

function rpmQueries(pkg: Package, sourceName: string, os: OperatingSystem): AdvisoryQuery[] {
  const distro = RPM_DISTROS[os.family];
  if (!distro || !os.release) return [];
  const ecosystem = rpmEcosystem(distro, os);
  // rpm advisories name binary packages in some feeds and source packages in others: ask for both.
  const names = sourceName === pkg.name ? [pkg.name] : [pkg.name, sourceName];
  return names.map((name) => ({ ecosystem, name, version: pkg.version }));
}

function rpmEcosystem(distro: string, os: OperatingSystem): string {
  const release = os.release as string;
  if (os.family === "sles") {
    // "15.5" is "SUSE:Linux Enterprise Server 15 SP5"; a .0 release has no service pack.
    const [major, minor] = release.split(".");
    return `${distro} ${major}${minor && minor !== "0" ? ` SP${minor}` : ""}`;
  }
  // openSUSE names its releases with a space: "openSUSE:Leap 15.5".
  return distro.includes(":") ? `${distro} ${release}` : `${distro}:${release}`;
}
