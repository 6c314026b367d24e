import type { SeverityLevel, VulnerabilityFinding } from "../../lib/matching/finding.js";
import type { ScanSummary } from "../../lib/stores/findings-store.js";
import { imageKey, type ScanJob } from "../../lib/stores/scan-job.js";
import { mulberry32 } from "./prng.js";

/**
 * A deterministic fleet for dashboard tests and benchmarks: accounts (ECR account ids, one GAR
 * project), repositories, images and realistic findings (deb, apk, npm, PyPI, Maven packages; CVE
 * and GHSA ids; severities skewed like real scans; some KEV, EPSS, fixes). The same seed gives the
 * same fleet. Some package names and summaries start with = + - @ on purpose: npm scopes do, and
 * summaries are untrusted text, so CSV exports must neutralise them.
 */
export interface SeedOptions {
  accounts: number;
  reposPerAccount: number;
  imagesPerRepo: number;
  findingsPerImage: number;
  seed: number;
}

export interface SeededImage {
  job: ScanJob;
  imageKey: string;
  summary: ScanSummary;
  findings: VulnerabilityFinding[];
}

export interface SeededFleet {
  accounts: string[];
  images: SeededImage[];
}

/** What seedFleet needs of a store: DynamoFindingsStore fits. */
export interface SeedTarget {
  putScan(job: ScanJob, summary: ScanSummary, findings: readonly VulnerabilityFinding[]): Promise<void>;
}

const PACKAGES: Array<{ ecosystem: string; name: string; foundIn: string; purl: (v: string) => string }> = [
  ...[
    "openssl",
    "libssl3",
    "zlib1g",
    "libc6",
    "curl",
    "libxml2",
    "bash",
    "tar",
    "perl-base",
    "libgnutls30",
  ].map((name) => ({
    ecosystem: "deb",
    name,
    foundIn: "var/lib/dpkg/status",
    purl: (v: string) => `pkg:deb/debian/${name}@${v}?distro=debian-12`,
  })),
  ...["musl", "busybox", "libcrypto3", "apk-tools"].map((name) => ({
    ecosystem: "apk",
    name,
    foundIn: "lib/apk/db/installed",
    purl: (v: string) => `pkg:apk/alpine/${name}@${v}`,
  })),
  ...["lodash", "@babel/traverse", "minimist", "@angular/core", "semver", "-dash-pkg", "express"].map(
    (name) => ({
      ecosystem: "npm",
      name,
      foundIn: `app/node_modules/${name}/package.json`,
      purl: (v: string) => `pkg:npm/${name.replace("@", "%40")}@${v}`,
    }),
  ),
  ...["requests", "urllib3", "jinja2", "cryptography"].map((name) => ({
    ecosystem: "PyPI",
    name,
    foundIn: `usr/lib/python3/site-packages/${name}-METADATA`,
    purl: (v: string) => `pkg:pypi/${name}@${v}`,
  })),
  ...["org.apache.logging.log4j:log4j-core", "com.fasterxml.jackson.core:jackson-databind"].map((name) => ({
    ecosystem: "Maven",
    name,
    foundIn: "app/lib/app.jar",
    purl: (v: string) => `pkg:maven/${name.replace(":", "/")}@${v}`,
  })),
];

const LEVELS: Array<[SeverityLevel, number]> = [
  ["CRITICAL", 0.06],
  ["HIGH", 0.24],
  ["MEDIUM", 0.4],
  ["LOW", 0.2],
  ["NEGLIGIBLE", 0.05],
  ["UNKNOWN", 0.05],
];

interface Vulnerability {
  id: string;
  aliases: string[];
  level: SeverityLevel;
  score?: number;
  kev: boolean;
  epss?: { probability: number; percentile: number };
  fixed: boolean;
  summary: string;
}

function vulnerabilityPool(size: number, random: () => number): Vulnerability[] {
  return Array.from({ length: size }, (_, i) => {
    const ghsaOnly = i % 11 === 5;
    const cve = `CVE-${2019 + (i % 7)}-${String(10000 + i * 7).padStart(5, "0")}`;
    const ghsa = `GHSA-${(i * 2654435761).toString(36).slice(0, 4)}-x${i.toString(36).padStart(3, "0")}-q9p${i % 10}`;
    let pick = random();
    let level: SeverityLevel = "UNKNOWN";
    for (const [l, p] of LEVELS) {
      if (pick < p) {
        level = l;
        break;
      }
      pick -= p;
    }
    const probability = Math.round(random() * 10_000) / 10_000;
    const v: Vulnerability = {
      id: ghsaOnly ? ghsa : cve,
      aliases: ghsaOnly ? [ghsa] : [cve, ghsa].sort(),
      level,
      kev: level === "CRITICAL" ? random() < 0.3 : level === "HIGH" ? random() < 0.05 : false,
      fixed: random() < 0.7,
      // Every 13th summary starts like a spreadsheet formula: untrusted text from advisories.
      summary:
        i % 13 === 0
          ? `=HYPERLINK("http://x.test","flaw ${i}")`
          : `Flaw ${i} allows remote attackers to cause harm`,
    };
    if (level !== "UNKNOWN") v.score = Math.round((random() * 9 + 1) * 10) / 10;
    if (random() < 0.8) v.epss = { probability, percentile: Math.min(1, probability + 0.1) };
    return v;
  });
}

/** The fleet's account ids: ECR account numbers, and with three or more, one GAR project last. */
export function fleetAccounts(options: SeedOptions): string[] {
  return Array.from({ length: options.accounts }, (_, a) =>
    a === options.accounts - 1 && options.accounts > 2
      ? `project-${options.seed}-${a}`
      : String(100000000000 + a * 111111111 + options.seed),
  );
}

/** The fleet's scans, without storing them: tests call seedFleet, the benchmark streams these. */
export function buildFleet(options: SeedOptions): SeededFleet {
  return { accounts: fleetAccounts(options), images: [...generateFleet(options)] };
}

/** One image at a time, so a large fleet need not be held in memory. */
export function* generateFleet(options: SeedOptions): Generator<SeededImage> {
  const random = mulberry32(options.seed);
  // A pool a few times an image's findings, so vulnerabilities repeat across images as in real fleets.
  const pool = vulnerabilityPool(Math.max(50, options.findingsPerImage * 4), random);
  const accounts = fleetAccounts(options);
  const base = Date.UTC(2026, 0, 1);
  let n = 0;
  for (const account of accounts) {
    const gar = account.startsWith("project-");
    for (let r = 0; r < options.reposPerAccount; r++) {
      const repository = `team-${r % 5}/service-${r}`;
      for (let i = 0; i < options.imagesPerRepo; i++) {
        n++;
        // The running number in the digest keeps every image distinct, whatever the hash does.
        const digest = `sha256:${hex(options.seed * 1_000_003 + n).slice(0, 56)}${n.toString(16).padStart(8, "0")}`;
        const eventTime = new Date(base + n * 60_000).toISOString();
        const job: ScanJob = {
          v: 1,
          provider: gar ? "gar" : "ecr",
          account,
          region: gar ? "us-east1" : "eu-west-1",
          repository,
          digest,
          tag: `v1.${i}`,
          registry: gar ? "us-east1-docker.pkg.dev" : `${account}.dkr.ecr.eu-west-1.amazonaws.com`,
          reason: "push",
          eventTime,
        };
        const key = imageKey(job);
        const findings: VulnerabilityFinding[] = [];
        const seen = new Set<string>();
        // Images vary: some clean, some with many findings.
        const count = Math.round(options.findingsPerImage * (0.25 + random() * 1.5));
        for (let f = 0; f < count && findings.length < count; f++) {
          const v = pool[Math.floor(random() ** 1.6 * pool.length)] as Vulnerability;
          const pkg = PACKAGES[Math.floor(random() * PACKAGES.length)] as (typeof PACKAGES)[number];
          const identity = `${v.id}|${pkg.name}`;
          if (seen.has(identity)) continue;
          seen.add(identity);
          const version = `${1 + (n % 3)}.${f % 10}.${(n + f) % 7}`;
          const layerIndex = f % 4;
          findings.push({
            id: v.id,
            aliases: v.aliases,
            advisories: [v.id],
            package: {
              ecosystem: pkg.ecosystem,
              name: pkg.name,
              version,
              purl: pkg.purl(version),
              foundIn: pkg.foundIn,
              layer: {
                index: layerIndex,
                diffID: `sha256:${hex(layerIndex + 7)}`,
                digest: `sha256:${hex(layerIndex + 99)}`,
              },
            },
            fixedVersions: v.fixed ? [`${2 + (n % 3)}.0.0`] : [],
            status: v.fixed ? "fixed" : "affected",
            severity: { level: v.level, source: "nvd", ...(v.score !== undefined ? { score: v.score } : {}) },
            summary: v.summary,
            kev: v.kev,
            ...(v.epss ? { epss: v.epss } : {}),
            references: [],
          });
        }
        const counts: Record<string, number> = {};
        for (const f of findings) counts[f.severity.level] = (counts[f.severity.level] ?? 0) + 1;
        const maxSeverity = LEVELS.map(([l]) => l).find((l) => counts[l]);
        const scannedAt = new Date(base + n * 60_000 + 30_000).toISOString();
        const stamp = scannedAt.replace(/:/g, "");
        const summary: ScanSummary = {
          imageKey: key,
          scannedAt,
          analyzersKey: "seed",
          counts,
          ...(maxSeverity ? { maxSeverity } : {}),
          packages: 100 + findings.length,
          reportKey: `reports/${account}/${repository}/${stamp}.json`,
          sbomKey: `sboms/${account}/${repository}/${stamp}.cdx.json`,
        };
        yield { job, imageKey: key, summary, findings };
      }
    }
  }
}

/** Builds the fleet and stores every scan through the store, a few at a time. */
export async function seedFleet(
  store: SeedTarget,
  options: SeedOptions & { concurrency?: number },
): Promise<SeededFleet> {
  const fleet = buildFleet(options);
  let next = 0;
  const worker = async () => {
    while (next < fleet.images.length) {
      const image = fleet.images[next++] as SeededImage;
      await store.putScan(image.job, image.summary, image.findings);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  return fleet;
}

function hex(n: number): string {
  let out = "";
  let x = n >>> 0 || 1;
  while (out.length < 64) {
    x = (Math.imul(x ^ (x >>> 13), 0x5bd1e995) + 0x27d4eb2f) >>> 0;
    out += x.toString(16).padStart(8, "0");
  }
  return out.slice(0, 64);
}
