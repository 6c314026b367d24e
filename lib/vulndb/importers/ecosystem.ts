/**
 * OSV ecosystem names (https://ossf.github.io/osv-schema/#defined-ecosystems). Sources spell some
 * in other cases ("pypi", "Crates.io", "debian:12"); matching compares exact strings, so the
 * name before the first ":" is mapped to its canonical spelling and the release suffix is kept.
 */
const CANONICAL = [
  "AlmaLinux",
  "Alpaquita",
  "Alpine",
  "Android",
  "Azure Linux",
  "BellSoft Hardened Containers",
  "Bioconductor",
  "Bitnami",
  "Chainguard",
  "ConanCenter",
  "CRAN",
  "crates.io",
  "Debian",
  "Echo",
  "GHC",
  "GitHub Actions",
  "Go",
  "Hackage",
  "Hex",
  "Julia",
  "Kubernetes",
  "Linux",
  "Mageia",
  "Maven",
  "MinimOS",
  "npm",
  "NuGet",
  "openEuler",
  "openSUSE",
  "OSS-Fuzz",
  "Packagist",
  "Photon OS",
  "Pub",
  "PyPI",
  "Red Hat",
  "Rocky Linux",
  "RubyGems",
  "SUSE",
  "SwiftURL",
  "Ubuntu",
  "VSCode",
  "Wolfi",
];

const BY_LOWER = new Map(CANONICAL.map((name) => [name.toLowerCase(), name]));
// Spellings seen in the wild that differ by more than case.
BY_LOWER.set("crates", "crates.io");
BY_LOWER.set("golang", "Go");
BY_LOWER.set("rubygem", "RubyGems");
BY_LOWER.set("photon", "Photon OS");
BY_LOWER.set("photonos", "Photon OS");
BY_LOWER.set("rocky", "Rocky Linux");
BY_LOWER.set("redhat", "Red Hat");

export function normalizeEcosystem(ecosystem: string): string {
  const trimmed = ecosystem.trim();
  const colon = trimmed.indexOf(":");
  const base = colon < 0 ? trimmed : trimmed.slice(0, colon);
  const canonical = BY_LOWER.get(base.toLowerCase());
  if (!canonical) return trimmed;
  return colon < 0 ? canonical : `${canonical}${trimmed.slice(colon)}`;
}
