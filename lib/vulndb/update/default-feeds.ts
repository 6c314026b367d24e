import type { FeedSpec } from "./download-feeds.js";

/** The OSV ecosystems whose exports the default DB is built from: every one an image can hold. */
export const OSV_ECOSYSTEMS = [
  "Debian",
  "Ubuntu",
  "Alpine",
  "Wolfi",
  "Chainguard",
  "Red Hat",
  "Rocky Linux",
  "AlmaLinux",
  "SUSE",
  "openSUSE",
  "Photon OS",
  "Azure Linux",
  "npm",
  "PyPI",
  "Go",
  "Maven",
  "crates.io",
  "RubyGems",
  "Packagist",
  "NuGet",
] as const;

export interface FeedMirrors {
  /** Base URLs serving `<ecosystem>/all.zip`, tried in order. */
  osv: string[];
  debianTracker: string[];
  kev: string[];
  epss: string[];
  /** Base URLs serving Alpine's `<release>/<repository>.json`. */
  secdb: string[];
  /** Base URLs serving NVD's yearly `nvdcve-2.0-<year>.json.gz`. */
  nvd: string[];
}

/** Alpine releases with security support (and edge), whose secdb files are read. */
export const ALPINE_SECDB_RELEASES = ["v3.18", "v3.19", "v3.20", "v3.21", "v3.22", "edge"] as const;
export const ALPINE_SECDB_REPOSITORIES = ["main", "community"] as const;

/** NVD publishes one CVE file per year, from 2002 (which also holds the older CVEs). */
export function nvdYears(now: Date = new Date()): number[] {
  const last = now.getUTCFullYear();
  return Array.from({ length: last - 2001 }, (_, i) => 2002 + i);
}

/**
 * A mirror serves the same files under one base URL: `osv/<ecosystem>/all.zip`,
 * `debian-tracker.json`, `known_exploited_vulnerabilities.json`, `epss_scores-current.csv.gz`.
 * Mirrors are tried before the publishers' own locations.
 */
export function withMirrors(
  mirrorBases: readonly string[],
  published: FeedMirrors = PUBLISHED_MIRRORS,
): FeedMirrors {
  const bases = mirrorBases.map((b) => b.replace(/\/+$/, ""));
  return {
    osv: [...bases.map((b) => `${b}/osv`), ...published.osv],
    debianTracker: [...bases.map((b) => `${b}/debian-tracker.json`), ...published.debianTracker],
    kev: [...bases.map((b) => `${b}/known_exploited_vulnerabilities.json`), ...published.kev],
    epss: [...bases.map((b) => `${b}/epss_scores-current.csv.gz`), ...published.epss],
    secdb: [...bases.map((b) => `${b}/secdb`), ...published.secdb],
    nvd: [...bases.map((b) => `${b}/nvd`), ...published.nvd],
  };
}

/** The publishers' own locations. */
export const PUBLISHED_MIRRORS: FeedMirrors = {
  osv: ["https://osv-vulnerabilities.storage.googleapis.com"],
  debianTracker: ["https://security-tracker.debian.org/tracker/data/json"],
  kev: ["https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"],
  epss: ["https://epss.empiricalsecurity.com/epss_scores-current.csv.gz"],
  secdb: ["https://secdb.alpinelinux.org"],
  nvd: ["https://nvd.nist.gov/feeds/json/cve/2.0"],
};

export function defaultFeeds(mirrors: FeedMirrors = PUBLISHED_MIRRORS, now: Date = new Date()): FeedSpec[] {
  const trim = (base: string) => base.replace(/\/+$/, "");
  return [
    ...OSV_ECOSYSTEMS.map((ecosystem) => ({
      name: `osv:${ecosystem}`,
      file: `osv-${ecosystem.replace(/[^A-Za-z0-9.]+/g, "_")}.zip`,
      urls: mirrors.osv.map((base) => `${base.replace(/\/+$/, "")}/${encodeURIComponent(ecosystem)}/all.zip`),
    })),
    { name: "debian-tracker", file: "debian-tracker.json", urls: mirrors.debianTracker },
    { name: "kev", file: "known_exploited_vulnerabilities.json", urls: mirrors.kev },
    { name: "epss", file: "epss_scores-current.csv.gz", urls: mirrors.epss },
    // Alpine's own secdb: fix versions per release as the distribution states them.
    ...ALPINE_SECDB_RELEASES.flatMap((release) =>
      ALPINE_SECDB_REPOSITORIES.map((repository) => ({
        name: `secdb:${release}/${repository}`,
        file: `alpine-secdb-${release}-${repository}.json`,
        urls: mirrors.secdb.map((base) => `${trim(base)}/${release}/${repository}.json`),
      })),
    ),
    // NVD: CVSS vectors and scores for CVEs the vendors do not rate.
    ...nvdYears(now).map((year) => ({
      name: `nvd:${year}`,
      file: `nvdcve-2.0-${year}.json.gz`,
      urls: mirrors.nvd.map((base) => `${trim(base)}/nvdcve-2.0-${year}.json.gz`),
    })),
  ];
}
