import { describe, expect, it } from "vitest";
import { writeTable } from "../../lib/report/table-writer.js";
import { ECR_IMAGE, leaksSecret, sampleReport } from "./report-factory.js";

const ESC = String.fromCharCode(27);
const ANSI_CODE = new RegExp(`${ESC}\\[\\d+m`, "g");

describe("writeTable", () => {
  it("groups like Trivy: OS target, language files, secrets per file, config, compliance, policy, warnings", () => {
    const text = writeTable(sampleReport());
    const order = [
      `${ECR_IMAGE} (debian 12)`,
      "app/package-lock.json (npm)",
      "app/.env (secrets)",
      "root/.ssh/id_rsa (secrets)",
      "Image configuration",
      "CIS Docker Benchmark v1.6.0",
      "Policy: FAIL (fails on HIGH)",
      "Warnings (1)",
    ].map((heading) => text.indexOf(heading));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it("counts and sorts each target's vulnerabilities by severity", () => {
    const text = writeTable(sampleReport());
    expect(text).toContain("Total: 2 (CRITICAL: 1, MEDIUM: 1)");
    const os = text.slice(text.indexOf("(debian 12)"), text.indexOf("app/package-lock.json"));
    expect(os.indexOf("CVE-2023-45853")).toBeLessThan(os.indexOf("CVE-2024-0727"));
    expect(text).toMatch(/lodash\s+GHSA-35jh-r3h4-6jhm \(KEV\)\s+HIGH\s+fixed\s+4\.17\.20\s+4\.17\.21/);
  });

  it("shows secrets masked, with line and whether a later layer removed them", () => {
    const text = writeTable(sampleReport());
    expect(text).toMatch(/aws-access-key-id\s+CRITICAL\s+3\s+AKIA\*{16}\s+1\s+present/);
    expect(text).toMatch(/private-key\s+HIGH\s+1\s+----\*{4}\s+1\s+removed in layer 2/);
    expect(leaksSecret(text)).toBe(false);
  });

  it("summarises compliance and the policy: suppressed by source, expired ignores", () => {
    const text = writeTable(sampleReport());
    expect(text).toContain("Controls: 1/4 pass");
    expect(text).toMatch(/4\.10\s+FAIL\s+Ensure secrets are not stored in Dockerfiles\s+aws-access-key-id/);
    expect(text).toContain("  - 1 CRITICAL vulnerability");
    expect(text).toContain("Suppressed: 5 (vex 1, ignore-file 2, severity 1, repository-policy 1)");
    expect(text).toContain(
      'CVE-2021-0001 curl: expired 2024-01-01, "waiting for upstream" (.portcullisignore.yaml)',
    );
  });

  it("lists packages by ecosystem when the scan had no vulnerability DB", () => {
    const text = writeTable(sampleReport({ vulnerabilities: undefined }));
    expect(text).toContain("deb packages (2)");
    expect(text).toContain("npm packages (2)");
    expect(text).not.toContain("(debian 12)");
  });

  it("shows the OS target with a zero total when nothing was found", () => {
    const text = writeTable(sampleReport({ vulnerabilities: [] }));
    expect(text).toContain(`${ECR_IMAGE} (debian 12)\nTotal: 0`);
  });

  it("colours severities only when asked", () => {
    expect(writeTable(sampleReport())).not.toContain(ESC);
    const coloured = writeTable(sampleReport(), { color: true });
    expect(coloured).toContain("\u001b[31mHIGH    \u001b[39m");
    expect(coloured).toContain("\u001b[33mMEDIUM  \u001b[39m");
    // Colour codes do not change the layout: stripped, the text is the plain table.
    expect(coloured.replace(ANSI_CODE, "")).toBe(writeTable(sampleReport()));
  });
});

describe("writeTable with hostile package data", () => {
  it("neutralises terminal escape sequences from the image", () => {
    const report = sampleReport();
    const [first, ...rest] = report.vulnerabilities ?? [];
    if (!first) throw new Error("no findings");
    const hostile = { ...first, package: { ...first.package, name: "evil\u001b]0;pwned\u0007" } };
    const text = writeTable({ ...report, vulnerabilities: [hostile, ...rest] });
    expect(text).not.toContain(ESC);
    expect(text).not.toContain(String.fromCharCode(7));
    expect(text).toContain("evil?]0;pwned?");
  });
});
