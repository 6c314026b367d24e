import type { SeverityLevel, VulnerabilityFinding } from "../../lib/matching/finding.js";
import type { ScanSummary } from "../../lib/stores/findings-store.js";
import { imageKey, type ScanJob } from "../../lib/stores/scan-job.js";

export const job: ScanJob = {
  v: 1,
  provider: "ecr",
  account: "123456789012",
  region: "eu-west-1",
  repository: "team/payments-api",
  digest: "sha256:0f5a6e4fd1c4b4e9e1bd7a8a4b3c0c9a8f1e2d3c4b5a69788796a5b4c3d2e1f0",
  tag: "1.4.2",
  registry: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
  reason: "push",
  eventTime: "2026-11-28T10:00:00Z",
};

export function summaryFor(findings: readonly VulnerabilityFinding[], j: ScanJob = job): ScanSummary {
  const counts: Record<string, number> = {};
  for (const f of findings) counts[f.severity.level] = (counts[f.severity.level] ?? 0) + 1;
  return {
    imageKey: imageKey(j),
    scannedAt: "2026-11-28T10:00:05.000Z",
    dbBuiltAt: "2026-11-28T06:00:00.000Z",
    analyzersKey: "apk@1,dpkg@1",
    counts,
    packages: 321,
    reportKey: "reports/ecr/123456789012/eu-west-1/team/payments-api/x/20261128T100005.json",
    sbomKey: "sboms/ecr/123456789012/eu-west-1/team/payments-api/x/20261128T100005.cdx.json",
  };
}

const LEVELS: SeverityLevel[] = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "NEGLIGIBLE", "UNKNOWN"];

export function finding(
  id: string,
  level: SeverityLevel,
  extra: Partial<VulnerabilityFinding> & { name?: string; version?: string } = {},
): VulnerabilityFinding {
  const { name, version, ...rest } = extra;
  return {
    id,
    aliases: [id],
    advisories: [id],
    package: {
      ecosystem: "Alpine:v3.19",
      name: name ?? "openssl",
      version: version ?? "3.1.4-r0",
      foundIn: "lib/apk/db/installed",
      layer: { index: 0, diffID: "sha256:aa", digest: "sha256:bb" },
    },
    fixedVersions: ["3.1.4-r5"],
    status: "fixed",
    severity: { level },
    references: [],
    ...rest,
  };
}

/** n findings cycling through every severity, with long-ish descriptions like real advisories. */
export function manyFindings(n: number): VulnerabilityFinding[] {
  return Array.from({ length: n }, (_, i) =>
    finding(`CVE-2024-${String(10000 + i)}`, LEVELS[i % LEVELS.length] as SeverityLevel, {
      name: `package-${i}`,
      version: `1.${i}.0-r0`,
      fixedVersions: i % 3 === 0 ? [] : [`1.${i}.1-r0`],
      status: i % 3 === 0 ? "affected" : "fixed",
      summary: "x".repeat(400),
      references: [`https://example.com/advisories/${i}`],
      ...(i % 97 === 0 ? { kev: true } : {}),
    }),
  );
}
