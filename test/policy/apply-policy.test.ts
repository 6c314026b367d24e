import { describe, expect, it } from "vitest";
import type { SeverityLevel } from "../../lib/matching/finding.js";
import { applyPolicy } from "../../lib/policy/apply-policy.js";
import { parseIgnoreFile } from "../../lib/policy/ignore-file.js";
import type { VexStatementSet } from "../../lib/policy/openvex.js";
import { meetsFailOn, parseSeverity, parseSeverityList } from "../../lib/policy/policy-options.js";
import { IMAGE_DIGEST, misconfig, rapidReset, report, secret, vuln } from "./scan-report-factory.js";

const NOW = new Date("2024-06-01T00:00:00Z");
const ignores = (yaml: string) => parseIgnoreFile(yaml, "team.yaml");
const ids = (r: ReturnType<typeof applyPolicy>) => r.vulnerabilities?.map((f) => f.id);

describe("ignore entries on vulnerabilities", () => {
  it("suppresses a CVE-keyed finding from an entry naming its GHSA alias", () => {
    const scan = report({ vulnerabilities: [rapidReset(), vuln("CVE-2023-42363", "MEDIUM")] });
    const out = applyPolicy(scan, { ignores: ignores("ignore:\n  - id: ghsa-4374-p667-p6c8\n") }, NOW);
    expect(ids(out)).toEqual(["CVE-2023-42363"]);
    expect(out.policy?.suppressed[0]?.suppression).toEqual({
      source: "ignore-file",
      reason: "ignored: ghsa-4374-p667-p6c8",
      origin: "team.yaml",
    });
  });

  it("narrows by package name or purl, ignoring qualifiers and honouring a purl version", () => {
    const busybox = vuln("CVE-2023-42363", "MEDIUM");
    const ssl = vuln("CVE-2023-42363", "MEDIUM", {
      package: { name: "busybox-extras", purl: "pkg:apk/alpine/busybox-extras@1.36.1-r15?arch=x86_64" },
    });
    const scan = report({ vulnerabilities: [busybox, ssl] });
    const byName = applyPolicy(
      scan,
      { ignores: ignores("ignore:\n  - id: CVE-2023-42363\n    package: busybox\n") },
      NOW,
    );
    expect(byName.vulnerabilities).toEqual([ssl]);
    const byPurl = applyPolicy(
      scan,
      { ignores: ignores("ignore:\n  - id: CVE-2023-42363\n    package: pkg:apk/alpine/busybox-extras\n") },
      NOW,
    );
    expect(byPurl.vulnerabilities).toEqual([busybox]);
    const otherVersion = applyPolicy(
      scan,
      {
        ignores: ignores("ignore:\n  - id: CVE-2023-42363\n    package: pkg:apk/alpine/busybox@1.36.1-r14\n"),
      },
      NOW,
    );
    expect(otherVersion.vulnerabilities).toHaveLength(2);
  });

  it("narrows by a path glob on the package's foundIn", () => {
    const inApp = rapidReset();
    const inTool = {
      ...rapidReset(),
      package: { ...rapidReset().package, foundIn: "usr/local/bin/tools/migrate" },
    };
    const scan = report({ vulnerabilities: [inApp, inTool] });
    const appOnly = applyPolicy(
      scan,
      { ignores: ignores("ignore:\n  - id: CVE-2023-39325\n    path: app/*\n") },
      NOW,
    );
    expect(appOnly.vulnerabilities).toEqual([inTool]);
    const oneLevel = applyPolicy(
      scan,
      { ignores: ignores("ignore:\n  - id: CVE-2023-39325\n    path: usr/*\n") },
      NOW,
    );
    expect(oneLevel.vulnerabilities).toHaveLength(2);
    const deep = applyPolicy(
      scan,
      { ignores: ignores("ignore:\n  - id: CVE-2023-39325\n    path: usr/**\n") },
      NOW,
    );
    expect(deep.vulnerabilities).toEqual([inApp]);
  });
});

describe("secrets and misconfigurations", () => {
  const leaked = secret();
  const docKey = secret({ path: "usr/share/doc/aws/examples/README.md", fingerprint: "sha256:aa" });
  const removed = secret({ path: "root/.aws/credentials", fingerprint: "sha256:bb", present: false });
  const scan = report({
    secrets: [leaked, docKey, removed],
    misconfigurations: [misconfig("PCIMG-001"), misconfig("PCIMG-004", "MEDIUM")],
  });

  it("suppresses a secret by fingerprint, leaving other leaks of the same rule", () => {
    const out = applyPolicy(scan, { ignores: ignores(`ignore:\n  - id: "${leaked.fingerprint}"\n`) }, NOW);
    expect(out.secrets).toEqual([docKey, removed]);
    expect(out.policy?.suppressed).toMatchObject([{ kind: "secret", finding: leaked }]);
  });

  it("suppresses secrets by rule id, narrowed by path", () => {
    const out = applyPolicy(
      scan,
      { ignores: ignores('ignore:\n  - id: aws-access-key-id\n    path: "usr/share/doc/**/*.md"\n') },
      NOW,
    );
    expect(out.secrets).toEqual([leaked, removed]);
  });

  it("never lets a package-narrowed entry cover a secret", () => {
    const out = applyPolicy(
      scan,
      { ignores: ignores("ignore:\n  - id: aws-access-key-id\n    package: awscli\n") },
      NOW,
    );
    expect(out.secrets).toHaveLength(3);
  });

  it("suppresses a misconfiguration by check id", () => {
    const out = applyPolicy(
      scan,
      { ignores: ignores("ignore:\n  - id: PCIMG-001\n    reason: init container\n") },
      NOW,
    );
    expect(out.misconfigurations?.map((m) => m.id)).toEqual(["PCIMG-004"]);
    expect(out.policy?.suppressed).toMatchObject([
      { kind: "misconfiguration", suppression: { source: "ignore-file", reason: "init container" } },
    ]);
  });

  it("counts secrets a later layer removed: the layer still holds them", () => {
    const out = applyPolicy(report({ secrets: [removed] }), { failOn: "HIGH" }, NOW);
    expect(out.policy?.result).toBe("fail");
    expect(out.policy?.failures).toEqual(["1 secret of severity HIGH or above"]);
  });
});

describe("--ignore-unfixed and --severity", () => {
  const fixedHigh = vuln("CVE-2024-0001", "HIGH");
  const unfixedCritical = vuln("CVE-2024-0002", "CRITICAL", { status: "affected", fixedVersions: [] });
  const wontFix = vuln("CVE-2024-0003", "LOW", { status: "will-not-fix", fixedVersions: [] });
  const scan = report({
    vulnerabilities: [fixedHigh, unfixedCritical, wontFix],
    secrets: [secret({ severity: "MEDIUM" })],
    misconfigurations: [misconfig("PCIMG-001", "HIGH"), misconfig("PCIMG-009", "LOW")],
  });

  it("suppresses every vulnerability whose status is not fixed", () => {
    const out = applyPolicy(scan, { ignoreUnfixed: true }, NOW);
    expect(ids(out)).toEqual(["CVE-2024-0001"]);
    expect(out.policy?.suppressed.map((s) => s.suppression)).toEqual([
      { source: "unfixed", reason: "no fixed version (status affected)" },
      { source: "unfixed", reason: "no fixed version (status will-not-fix)" },
    ]);
    expect(out.secrets).toHaveLength(1);
  });

  it("keeps only the listed severities, across all three kinds", () => {
    const out = applyPolicy(scan, { severities: ["CRITICAL", "HIGH"] }, NOW);
    expect(ids(out)).toEqual(["CVE-2024-0001", "CVE-2024-0002"]);
    expect(out.secrets).toEqual([]);
    expect(out.misconfigurations?.map((m) => m.id)).toEqual(["PCIMG-001"]);
    expect(out.policy?.suppressed.map((s) => [s.kind, s.suppression.source, s.suppression.reason])).toEqual([
      ["vulnerability", "severity", "severity LOW is not among CRITICAL, HIGH"],
      ["secret", "severity", "severity MEDIUM is not among CRITICAL, HIGH"],
      ["misconfiguration", "severity", "severity LOW is not among CRITICAL, HIGH"],
    ]);
  });

  it("records only the first rule that applies: VEX, ignore entry, unfixed, then severity", () => {
    const vex: VexStatementSet = {
      statements: [
        {
          vulnerability: { name: "CVE-2024-0002", aliases: [] },
          products: [{ id: `pkg:oci/payments-api@${IMAGE_DIGEST}`, subcomponents: [] }],
          status: "not_affected",
          justification: "component_not_present",
          origin: "image.openvex.json",
        },
      ],
    };
    const out = applyPolicy(
      scan,
      {
        vex,
        ignores: ignores("ignore:\n  - id: CVE-2024-0002\n  - id: CVE-2024-0003\n"),
        ignoreUnfixed: true,
        severities: ["CRITICAL"],
      },
      NOW,
    );
    const byId = Object.fromEntries(
      out.policy?.suppressed.flatMap((s) =>
        s.kind === "vulnerability" ? [[s.finding.id, s.suppression.source]] : [],
      ) ?? [],
    );
    expect(byId).toEqual({
      "CVE-2024-0001": "severity",
      "CVE-2024-0002": "vex",
      "CVE-2024-0003": "ignore-file",
    });
    expect(ids(out)).toEqual([]);
  });
});

describe("failOn verdict", () => {
  const scan = report({
    vulnerabilities: [
      vuln("CVE-2024-0001", "CRITICAL"),
      vuln("CVE-2024-0002", "HIGH"),
      vuln("CVE-2024-0003", "HIGH"),
      vuln("CVE-2024-0004", "MEDIUM"),
      vuln("CVE-2024-0005", "UNKNOWN"),
    ],
    secrets: [secret()],
    misconfigurations: [
      misconfig("PCIMG-001", "HIGH"),
      misconfig("PCIMG-002", "HIGH"),
      misconfig("PCIMG-003", "LOW"),
    ],
  });

  it("fails with one line per kind of finding at or above the threshold", () => {
    const out = applyPolicy(scan, { failOn: "HIGH" }, NOW);
    expect(out.policy).toMatchObject({
      result: "fail",
      failOn: "HIGH",
      failures: [
        "3 vulnerabilities of severity HIGH or above",
        "1 secret of severity HIGH or above",
        "2 misconfigurations of severity HIGH or above",
      ],
    });
  });

  it("passes when what remains after suppression is below the threshold", () => {
    const out = applyPolicy(
      scan,
      { failOn: "CRITICAL", ignores: ignores("ignore:\n  - id: CVE-2024-0001\n  - id: aws-access-key-id\n") },
      NOW,
    );
    expect(out.policy).toMatchObject({ result: "pass", failOn: "CRITICAL", failures: [] });
  });

  it("passes without failOn whatever was found, and leaves absent lists absent", () => {
    const out = applyPolicy(report({ vulnerabilities: [vuln("CVE-2024-0001", "CRITICAL")] }), {}, NOW);
    expect(out.policy).toEqual({ result: "pass", failures: [], suppressed: [], expiredIgnores: [] });
    expect(out).not.toHaveProperty("secrets");
    expect(out).not.toHaveProperty("misconfigurations");
  });

  it("counts UNKNOWN only when the gate takes everything below LOW", () => {
    const unknown = report({ vulnerabilities: [vuln("CVE-2024-0005", "UNKNOWN")] });
    expect(applyPolicy(unknown, { failOn: "LOW" }, NOW).policy?.result).toBe("pass");
    expect(applyPolicy(unknown, { failOn: "NEGLIGIBLE" }, NOW).policy?.failures).toEqual([
      "1 vulnerability of severity NEGLIGIBLE or above",
    ]);
    expect(applyPolicy(unknown, { failOn: "UNKNOWN" }, NOW).policy?.failures).toEqual([
      "1 vulnerability of any severity",
    ]);
  });

  it("does not change the report it was given", () => {
    const before = structuredClone(scan);
    applyPolicy(scan, { failOn: "LOW", severities: ["CRITICAL"], ignoreUnfixed: true }, NOW);
    expect(scan).toEqual(before);
  });

  it("keeps the suppressions of a policy applied earlier", () => {
    const first = applyPolicy(scan, { ignores: ignores("ignore:\n  - id: CVE-2024-0001\n") }, NOW);
    const second = applyPolicy(first, { severities: ["CRITICAL", "HIGH"] }, NOW);
    expect(second.policy?.suppressed.map((s) => s.suppression.source)).toEqual([
      "ignore-file",
      "severity",
      "severity",
      "severity",
    ]);
  });
});

describe("severity helpers", () => {
  it("orders severities with UNKNOWN lowest", () => {
    const levels: SeverityLevel[] = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "NEGLIGIBLE"];
    expect(levels.filter((l) => meetsFailOn(l, "MEDIUM"))).toEqual(["CRITICAL", "HIGH", "MEDIUM"]);
    expect(meetsFailOn("UNKNOWN", "CRITICAL")).toBe(false);
  });

  it("parses flag values case-insensitively and rejects unknown names", () => {
    expect(parseSeverity("high")).toBe("HIGH");
    expect(parseSeverity("severe")).toBeUndefined();
    expect(parseSeverityList("critical, HIGH,high")).toEqual(["CRITICAL", "HIGH"]);
    expect(parseSeverityList("HIGH,bad")).toBeUndefined();
  });
});
