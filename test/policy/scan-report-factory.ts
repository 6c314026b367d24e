import type { MisconfigurationFinding, SecretFinding } from "../../lib/checks/types.js";
import type { SeverityLevel, VulnerabilityFinding } from "../../lib/matching/finding.js";
import { SCAN_REPORT_SCHEMA_VERSION, type ScanReport } from "../../lib/report/scan-report.js";

/** sha256("portcullis policy fixture image"): the digest the VEX fixtures name. */
export const IMAGE_DIGEST = "sha256:346a71a2957a4a8295710b5d41f93317776c625da3b4281b75d1f10f932667cd";
export const IMAGE_NAME = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/payments-api:1.4.2";

const layer = { index: 1, diffID: "sha256:11", digest: "sha256:22" };

export function vuln(
  id: string,
  level: SeverityLevel,
  extra: Partial<Omit<VulnerabilityFinding, "package">> & {
    package?: Partial<VulnerabilityFinding["package"]>;
  } = {},
): VulnerabilityFinding {
  const { package: pkg, ...rest } = extra;
  return {
    id,
    aliases: [id],
    advisories: [id],
    package: {
      ecosystem: "apk",
      name: "busybox",
      version: "1.36.1-r15",
      purl: "pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64&distro=3.19.1",
      foundIn: "lib/apk/db/installed",
      layer,
      ...pkg,
    },
    fixedVersions: ["1.36.1-r16"],
    status: "fixed",
    severity: { level },
    references: [],
    ...rest,
  };
}

/** The x/net flaw as a Go-module finding keyed by its CVE, with the GHSA and GO ids as aliases. */
export function rapidReset(level: SeverityLevel = "HIGH"): VulnerabilityFinding {
  return vuln("CVE-2023-39325", level, {
    aliases: ["CVE-2023-39325", "GHSA-4374-p667-p6c8", "GO-2023-2102"],
    package: {
      ecosystem: "golang",
      name: "golang.org/x/net",
      version: "v0.15.0",
      purl: "pkg:golang/golang.org/x/net@v0.15.0",
      foundIn: "app/server",
    },
    fixedVersions: ["v0.17.0"],
  });
}

export function secret(extra: Partial<SecretFinding> = {}): SecretFinding {
  return {
    ruleId: "aws-access-key-id",
    category: "AWS",
    title: "AWS access key id",
    severity: "CRITICAL",
    path: "app/config/.env",
    layer,
    line: 3,
    match: "AKIA****************",
    fingerprint: "sha256:5f2b8c8d3e7a1f0c9b6d4e2a8c7f1e3d5b9a0c2e4f6a8b1d3c5e7f9a0b2c4d6e",
    present: true,
    ...extra,
  };
}

export function misconfig(
  id: string,
  severity: MisconfigurationFinding["severity"] = "HIGH",
): MisconfigurationFinding {
  return {
    id,
    title: `check ${id}`,
    severity,
    message: "evidence",
    remediation: "fix it",
  };
}

export function report(
  findings: {
    vulnerabilities?: VulnerabilityFinding[];
    secrets?: SecretFinding[];
    misconfigurations?: MisconfigurationFinding[];
  } = {},
  artifact: Partial<ScanReport["artifact"]> = {},
): ScanReport {
  return {
    schemaVersion: SCAN_REPORT_SCHEMA_VERSION,
    tool: { name: "portcullis", version: "0.1.0" },
    createdAt: "2024-06-30T08:00:00.000Z",
    durationMs: 1200,
    artifact: {
      name: IMAGE_NAME,
      source: "registry",
      digest: IMAGE_DIGEST,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      platform: { os: "linux", architecture: "amd64" },
      configDigest: "sha256:33",
      layers: [],
      ...artifact,
    },
    packages: [],
    warnings: [],
    ...findings,
  };
}
