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

/** The publishers' own locations; a mirror list in configuration goes in front of these. */
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
