import type { ComplianceResult, MisconfigurationFinding, SecretFinding } from "../../lib/checks/types.js";
import type { Package } from "../../lib/inventory/package.js";
import type { VulnerabilityFinding } from "../../lib/matching/finding.js";
import type { PolicyResult } from "../../lib/policy/types.js";
import { SCAN_REPORT_SCHEMA_VERSION, type ScanReport } from "../../lib/report/scan-report.js";
import { PORTCULLIS_VERSION } from "../../lib/version.js";

/**
 * The clear value of the AWS key the sample image leaks. Reports only carry its masked form and
 * fingerprint; no writer output may ever contain it.
 */
export const CLEAR_SECRET = "AKIAZ7QW3XK5PLM2NB4V";

const layer = (index: number) => ({
  index,
  diffID: `sha256:${String(index).repeat(64)}`,
  digest: `sha256:${String(index + 5).repeat(64)}`,
});

export const DIGEST = `sha256:${"ab".repeat(32)}`;
export const ECR_IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api:1.4.2";

function pkg(
  ecosystem: string,
  name: string,
  version: string,
  foundIn: string,
  extra: Partial<Package> = {},
): Package {
  return { ecosystem, name, version, foundIn, layer: layer(0), ...extra };
}

export const PACKAGES: Package[] = [
  pkg("deb", "openssl", "3.0.11-1~deb12u2", "var/lib/dpkg/status", {
    arch: "amd64",
    source: { name: "openssl" },
    purl: "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12",
  }),
  pkg("deb", "zlib1g", "1:1.2.13.dfsg-1", "var/lib/dpkg/status", {
    arch: "amd64",
    epoch: 1,
    purl: "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12",
  }),
  pkg("npm", "lodash", "4.17.20", "app/package-lock.json", {
    layer: layer(1),
    purl: "pkg:npm/lodash@4.17.20",
  }),
  pkg("npm", "@evil/pkg|<b>x</b>", "1.0.0`", "app/package-lock.json", { layer: layer(1) }),
];

function vuln(
  id: string,
  p: Package,
  level: VulnerabilityFinding["severity"]["level"],
  extra: Partial<VulnerabilityFinding> = {},
): VulnerabilityFinding {
  return {
    id,
    aliases: [id],
    advisories: [`osv:${id}`],
    package: {
      ecosystem: p.ecosystem,
      name: p.name,
      version: p.version,
      ...(p.purl ? { purl: p.purl } : {}),
      foundIn: p.foundIn,
      layer: p.layer,
    },
    fixedVersions: [],
    status: "affected",
    severity: { level },
    references: [],
    ...extra,
  };
}

const [openssl, zlib, lodash, evil] = PACKAGES as [Package, Package, Package, Package];

export const VULNERABILITIES: VulnerabilityFinding[] = [
  vuln("CVE-2024-0727", openssl, "MEDIUM", {
    fixedVersions: ["3.0.13-1~deb12u1"],
    status: "fixed",
    severity: {
      level: "MEDIUM",
      source: "nvd",
      score: 5.5,
      vector: "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H",
    },
    summary: "PKCS12 Decoding crashes",
    references: ["https://www.openssl.org/news/secadv/20240125.txt", "not a url"],
    epss: { probability: 0.00043, percentile: 0.1 },
  }),
  vuln("CVE-2023-45853", zlib, "CRITICAL", {
    status: "will-not-fix",
    severity: {
      level: "CRITICAL",
      source: "nvd",
      score: 9.8,
      vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    },
    summary: "MiniZip integer overflow in zipOpenNewFileInZip4_64",
  }),
  vuln("GHSA-35jh-r3h4-6jhm", lodash, "HIGH", {
    aliases: ["CVE-2021-23337", "GHSA-35jh-r3h4-6jhm"],
    fixedVersions: ["4.17.21"],
    status: "fixed",
    kev: true,
    severity: {
      level: "HIGH",
      source: "ghsa",
      score: 7.2,
      vector: "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H",
    },
    summary: "Command Injection in lodash",
    references: ["https://github.com/lodash/lodash/commit/3469357cff396a26c363f8c1b5a91dde28ba4b1c"],
  }),
  vuln("CVE-2099-0001", evil, "LOW", {
    summary: "Hostile | summary with [a link](https://evil.example) and <img src=x> @someone",
  }),
];

export const SECRETS: SecretFinding[] = [
  {
    ruleId: "aws-access-key-id",
    category: "AWS",
    title: "AWS access key ID",
    severity: "CRITICAL",
    path: "app/.env",
    layer: layer(1),
    line: 3,
    match: `${CLEAR_SECRET.slice(0, 4)}${"*".repeat(CLEAR_SECRET.length - 4)}`,
    fingerprint: `sha256:${"c3".repeat(32)}`,
    present: true,
  },
  {
    ruleId: "private-key",
    category: "Private key",
    title: "Private key",
    severity: "HIGH",
    path: "root/.ssh/id_rsa",
    layer: layer(1),
    line: 1,
    match: "----****",
    fingerprint: `sha256:${"d4".repeat(32)}`,
    present: false,
    removedIn: layer(2),
  },
];

export const MISCONFIGURATIONS: MisconfigurationFinding[] = [
  {
    id: "PCIMG-001",
    title: "Image runs as root",
    severity: "HIGH",
    message: "The image sets no USER, so its processes run as root.",
    remediation: "Add a USER instruction with a non-root user.",
    cis: ["4.1"],
  },
  {
    id: "PCIMG-006",
    title: "No HEALTHCHECK",
    severity: "LOW",
    message: "The image defines no HEALTHCHECK.",
    remediation: "Add a HEALTHCHECK instruction.",
    evidence: ["config.Healthcheck: (none)"],
    cis: ["4.6"],
  },
];

export const COMPLIANCE: ComplianceResult = {
  benchmark: "CIS Docker Benchmark",
  version: "v1.6.0",
  controls: [
    {
      id: "4.1",
      title: "Ensure that a user for the container has been created",
      status: "fail",
      failedBy: ["PCIMG-001"],
    },
    {
      id: "4.6",
      title: "Ensure that HEALTHCHECK instructions have been added",
      status: "fail",
      failedBy: ["PCIMG-006"],
    },
    { id: "4.9", title: "Ensure that COPY is used instead of ADD", status: "pass", failedBy: [] },
    {
      id: "4.10",
      title: "Ensure secrets are not stored in Dockerfiles",
      status: "fail",
      failedBy: ["aws-access-key-id"],
    },
  ],
};

export const POLICY: PolicyResult = {
  result: "fail",
  failOn: "HIGH",
  failures: ["1 CRITICAL vulnerability", "1 CRITICAL secret"],
  suppressed: [
    {
      kind: "vulnerability",
      finding: vuln("CVE-2023-5678", openssl, "MEDIUM", { summary: "DH key generation is slow" }),
      suppression: {
        source: "vex",
        reason: "vulnerable_code_not_in_execute_path",
        origin: "vex/openssl.json",
      },
    },
    {
      kind: "vulnerability",
      finding: vuln("CVE-2022-37434", zlib, "HIGH", { fixedVersions: ["1:1.2.13.dfsg-2"], status: "fixed" }),
      suppression: {
        source: "ignore-file",
        reason: "inflateGetHeader is never called",
        origin: ".portcullisignore.yaml",
        expires: "2030-01-01",
      },
    },
    {
      kind: "vulnerability",
      finding: vuln("CVE-2023-6129", openssl, "LOW"),
      suppression: { source: "severity", reason: "below HIGH" },
    },
    {
      kind: "secret",
      finding: {
        ...(SECRETS[1] as SecretFinding),
        path: "test/fixtures/key.pem",
        present: true,
        removedIn: undefined,
      },
      suppression: { source: "ignore-file", reason: "test fixture key", origin: ".portcullisignore.yaml" },
    },
    {
      kind: "misconfiguration",
      finding: {
        id: "PCIMG-004",
        title: "Package manager cache left in the image",
        severity: "LOW",
        message: "The image keeps 12 MiB of apt caches.",
        remediation: "Clean the caches in the same RUN.",
      },
      suppression: { source: "repository-policy", reason: "accepted for this repository" },
    },
  ],
  expiredIgnores: [
    {
      id: "CVE-2021-0001",
      package: "curl",
      reason: "waiting for upstream",
      expires: "2024-01-01",
      origin: ".portcullisignore.yaml",
    },
  ],
};

/** A report exercising every section every writer has. */
export function sampleReport(overrides: Partial<ScanReport> = {}): ScanReport {
  return {
    schemaVersion: SCAN_REPORT_SCHEMA_VERSION,
    tool: { name: "portcullis", version: PORTCULLIS_VERSION },
    createdAt: "2024-05-01T12:34:56.789Z",
    durationMs: 1234,
    artifact: {
      name: ECR_IMAGE,
      source: "registry",
      digest: DIGEST,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      platform: { os: "linux", architecture: "amd64" },
      configDigest: `sha256:${"cd".repeat(32)}`,
      layers: [0, 1, 2].map((i) => ({
        ...layer(i),
        mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
        size: 1000 * (i + 1),
        cached: i === 0,
      })),
    },
    os: {
      family: "debian",
      name: "Debian GNU/Linux",
      versionId: "12",
      prettyName: "Debian GNU/Linux 12 (bookworm)",
      release: "12",
    },
    packages: PACKAGES,
    vulnerabilities: VULNERABILITIES,
    vulnerabilityDb: { builtAt: "2024-05-01T00:00:00Z", stale: false },
    secrets: SECRETS,
    misconfigurations: MISCONFIGURATIONS,
    compliance: COMPLIANCE,
    policy: POLICY,
    warnings: [{ code: "file-too-large", message: "skipped a 300 MiB file", path: "opt/big.bin" }],
    ...overrides,
  };
}

/** Every string a writer produced, checked for the clear secret. */
export function leaksSecret(output: string): boolean {
  return output.includes(CLEAR_SECRET) || output.includes(CLEAR_SECRET.slice(4));
}
