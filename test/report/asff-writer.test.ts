import { describe, expect, it } from "vitest";
import type { VulnerabilityFinding } from "../../lib/matching/finding.js";
import { ecrImage } from "../../lib/report/asff-resource.js";
import {
  ASFF_BATCH_LIMIT,
  ASFF_LIMITS,
  type AsffFinding,
  asffBatches,
  asffFindings,
  splitVersion,
  writeAsff,
} from "../../lib/report/asff-writer.js";
import { DIGEST, leaksSecret, sampleReport, VULNERABILITIES } from "./report-factory.js";

const OPTIONS = { accountId: "210987654321", region: "eu-west-1" };
const findingsOf = (report = sampleReport()) => asffFindings(report, OPTIONS);
const byTitle = (findings: AsffFinding[], prefix: string) => findings.find((f) => f.Title.startsWith(prefix));

describe("writeAsff", () => {
  it("writes BatchImportFindings JSON with every required ASFF attribute", () => {
    const parsed = JSON.parse(writeAsff(sampleReport(), OPTIONS)) as { Findings: AsffFinding[] };
    // 4 vulnerabilities, 2 secrets, 2 checks, 5 suppressed.
    expect(parsed.Findings).toHaveLength(13);
    for (const f of parsed.Findings) {
      expect(f).toMatchObject({
        SchemaVersion: "2018-10-08",
        ProductArn: "arn:aws:securityhub:eu-west-1:210987654321:product/210987654321/default",
        AwsAccountId: "210987654321",
        CreatedAt: "2024-05-01T12:34:56.789Z",
        UpdatedAt: "2024-05-01T12:34:56.789Z",
        RecordState: "ACTIVE",
      });
      for (const key of ["Id", "GeneratorId", "Title", "Description"] as const)
        expect(f[key].trim()).not.toBe("");
      expect(f.Types.length).toBeGreaterThan(0);
      expect(["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"]).toContain(f.Severity.Label);
      expect(f.Resources).toHaveLength(1);
    }
    const custom = asffFindings(sampleReport(), {
      ...OPTIONS,
      productArn: "arn:aws:securityhub:eu-west-1::product/acme/scanner",
    });
    expect(custom[0]?.ProductArn).toBe("arn:aws:securityhub:eu-west-1::product/acme/scanner");
  });

  it("describes an ECR image as an AwsEcrContainerImage resource, anything else as a Container", () => {
    expect(findingsOf()[0]?.Resources[0]).toEqual({
      Type: "AwsEcrContainerImage",
      Id: `arn:aws:ecr:eu-west-1:123456789012:repository/shop/api/${DIGEST}`,
      Partition: "aws",
      Region: "eu-west-1",
      Details: {
        AwsEcrContainerImage: {
          RegistryId: "123456789012",
          RepositoryName: "shop/api",
          ImageDigest: DIGEST,
          ImageTags: ["1.4.2"],
          Architecture: "x86_64",
        },
      },
    });
    const hub = sampleReport();
    hub.artifact = { ...hub.artifact, name: "docker.io/library/nginx:1.25" };
    expect(findingsOf(hub)[0]?.Resources[0]).toMatchObject({
      Type: "Container",
      Id: "docker.io/library/nginx:1.25",
      Details: { Container: { ImageName: "docker.io/library/nginx:1.25", ImageId: DIGEST } },
    });
    expect(
      ecrImage(`123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app@sha256:${"a".repeat(64)}`),
    ).toMatchObject({
      partition: "aws-cn",
      region: "cn-north-1",
      repository: "app",
    });
  });

  it("maps vulnerabilities to the Vulnerabilities block with packages, CVSS, fix and exploit flags", () => {
    const findings = findingsOf();
    const zlib = byTitle(findings, "CVE-2023-45853");
    expect(zlib?.Types).toEqual(["Software and Configuration Checks/Vulnerabilities/CVE"]);
    expect(zlib?.Severity).toEqual({ Label: "CRITICAL", Original: "CRITICAL" });
    expect(zlib?.Vulnerabilities).toEqual([
      expect.objectContaining({
        Id: "CVE-2023-45853",
        VulnerablePackages: [
          {
            Name: "zlib1g",
            Version: "1.2.13.dfsg",
            Epoch: "1",
            Release: "1",
            Architecture: "amd64",
            PackageManager: "deb",
            FilePath: "var/lib/dpkg/status",
            SourceLayerHash: `sha256:${"0".repeat(64)}`,
          },
        ],
        Cvss: [
          {
            Version: "3.1",
            BaseScore: 9.8,
            BaseVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            Source: "nvd",
          },
        ],
        FixAvailable: "NO",
        ExploitAvailable: "NO",
      }),
    ]);
    const lodash = byTitle(findings, "GHSA-35jh-r3h4-6jhm");
    expect(lodash?.Vulnerabilities).toEqual([
      expect.objectContaining({
        FixAvailable: "YES",
        ExploitAvailable: "YES",
        RelatedVulnerabilities: ["CVE-2021-23337"],
        VulnerablePackages: [
          expect.objectContaining({ Version: "4.17.20", FixedInVersion: "4.17.21", PackageManager: "npm" }),
        ],
      }),
    ]);
    const openssl = byTitle(findings, "CVE-2024-0727");
    expect(openssl?.Vulnerabilities).toEqual([
      expect.objectContaining({
        ReferenceUrls: ["https://www.openssl.org/news/secadv/20240125.txt"],
        EpssScore: 0.00043,
      }),
    ]);
    expect(splitVersion("apk", "1.2.3-r4")).toEqual({ version: "1.2.3", release: "r4" });
    expect(splitVersion("rpm", "1:1.1.1k-9.el8_7")).toEqual({
      version: "1.1.1k",
      epoch: "1",
      release: "9.el8_7",
    });
    expect(splitVersion("npm", "1.0.0-beta.1")).toEqual({ version: "1.0.0-beta.1" });
  });

  it("types secrets and CIS checks, and imports suppressed findings as SUPPRESSED with a note", () => {
    const findings = findingsOf();
    const secret = byTitle(findings, "AWS access key ID");
    expect(secret?.Types).toEqual(["Sensitive Data Identifications/Passwords"]);
    expect(secret?.Description).toContain("AKIA****************");
    const check = byTitle(findings, "PCIMG-001");
    expect(check?.Types).toEqual([
      "Software and Configuration Checks/Industry and Regulatory Standards/CIS Docker Benchmark",
    ]);
    expect(check?.Compliance).toEqual({
      Status: "FAILED",
      RelatedRequirements: ["CIS Docker Benchmark v1.6.0/4.1"],
    });
    expect(findings.filter((f) => f.Workflow.Status === "SUPPRESSED")).toHaveLength(5);
    expect(byTitle(findings, "CVE-2023-5678")).toMatchObject({
      Workflow: { Status: "SUPPRESSED" },
      Note: { Text: "Suppressed by vex: vulnerable_code_not_in_execute_path", UpdatedBy: "portcullis" },
    });
    expect(byTitle(findings, "CVE-2024-0727")?.Workflow).toEqual({ Status: "NEW" });
  });

  it("keeps Ids stable across scans and unique across findings", () => {
    const ids = findingsOf().map((f) => f.Id);
    expect(new Set(ids).size).toBe(ids.length);
    const rescan = sampleReport({ createdAt: "2025-06-01T00:00:00.000Z", durationMs: 9 });
    expect(
      findingsOf({ ...rescan, vulnerabilities: [...(rescan.vulnerabilities ?? [])].reverse() })
        .map((f) => f.Id)
        .sort(),
    ).toEqual([...ids].sort());
    for (const id of ids) expect(id.startsWith(`${DIGEST}/`)).toBe(true);
    const other = sampleReport();
    other.artifact = { ...other.artifact, digest: `sha256:${"ef".repeat(32)}` };
    expect(findingsOf(other)[0]?.Id).not.toBe(ids[0]);
  });

  it("keeps Title, Description, ReferenceUrls and ProductFields within the ASFF limits", () => {
    const long: VulnerabilityFinding = {
      ...(VULNERABILITIES[0] as VulnerabilityFinding),
      id: `CVE-2024-${"9".repeat(300)}`,
      summary: "x".repeat(5000),
      references: Array.from({ length: 40 }, (_, i) => `https://example.com/${i}`),
    };
    const [f] = findingsOf(
      sampleReport({ vulnerabilities: [long], secrets: [], misconfigurations: [], policy: undefined }),
    );
    expect(f?.Title.length).toBeLessThanOrEqual(ASFF_LIMITS.title);
    expect(f?.Description.length).toBeLessThanOrEqual(ASFF_LIMITS.description);
    expect(f?.Id.length).toBeLessThanOrEqual(ASFF_LIMITS.id);
    const vuln = (f?.Vulnerabilities as Array<{ ReferenceUrls: string[] }> | undefined)?.[0];
    expect(vuln?.ReferenceUrls).toHaveLength(ASFF_LIMITS.referenceUrls);
    const fields = Object.entries(f?.ProductFields as Record<string, string>);
    expect(fields.length).toBeLessThanOrEqual(ASFF_LIMITS.productFields);
    for (const [k, v] of fields) {
      expect(k.length).toBeLessThanOrEqual(ASFF_LIMITS.productFieldKey);
      expect(v.length).toBeLessThanOrEqual(ASFF_LIMITS.productFieldValue);
    }
  });

  it("splits findings into batches of at most 100", () => {
    const items = Array.from({ length: 250 }, (_, i) => i);
    const batches = asffBatches(items);
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(batches.flat()).toEqual(items);
    expect(ASFF_BATCH_LIMIT).toBe(100);
    expect(asffBatches([])).toEqual([]);
    expect(asffBatches(items, 30)).toHaveLength(9);
    expect(() => asffBatches(items, 0)).toThrow(RangeError);
  });

  it("never contains the clear secret", () => {
    expect(leaksSecret(writeAsff(sampleReport(), OPTIONS))).toBe(false);
  });
});
