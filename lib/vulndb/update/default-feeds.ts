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
  };
}

/** The publishers' own locations. */
export const PUBLISHED_MIRRORS: FeedMirrors = {
  osv: ["https://osv-vulnerabilities.storage.googleapis.com"],
  debianTracker: ["https://security-tracker.debian.org/tracker/data/json"],
  kev: ["https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"],
  epss: ["https://epss.empiricalsecurity.com/epss_scores-current.csv.gz"],
};

export function defaultFeeds(mirrors: FeedMirrors = PUBLISHED_MIRRORS): FeedSpec[] {
  return [
    ...OSV_ECOSYSTEMS.map((ecosystem) => ({
      name: `osv:${ecosystem}`,
      file: `osv-${ecosystem.replace(/[^A-Za-z0-9.]+/g, "_")}.zip`,
      urls: mirrors.osv.map((base) => `${base.replace(/\/+$/, "")}/${encodeURIComponent(ecosystem)}/all.zip`),
    })),
    { name: "debian-tracker", file: "debian-tracker.json", urls: mirrors.debianTracker },
    { name: "kev", file: "known_exploited_vulnerabilities.json", urls: mirrors.kev },
    { name: "epss", file: "epss_scores-current.csv.gz", urls: mirrors.epss },
  ];
}
