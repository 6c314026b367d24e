import { describe, expect, it } from "vitest";
import { artifactUri, writeSarif } from "../../lib/report/sarif-writer.js";
import { PORTCULLIS_VERSION } from "../../lib/version.js";
import { ECR_IMAGE, leaksSecret, sampleReport } from "./report-factory.js";
import { sarif210Validator, schemaErrors } from "./schema-validators.js";

interface Rule {
  id: string;
  helpUri: string;
  properties: { tags: string[]; "security-severity"?: string };
}
interface Result {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: Array<{
    physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
  }>;
  partialFingerprints: Record<string, string>;
  suppressions?: Array<{ kind: string; justification: string }>;
}
interface Log {
  version: string;
  runs: Array<{
    tool: { driver: { name: string; version: string; informationUri?: string; rules: Rule[] } };
    results: Result[];
  }>;
}

const logOf = (text: string) => JSON.parse(text) as Log;

describe("writeSarif", () => {
  it("validates against the official SARIF 2.1.0 schema, with and without findings", () => {
    const validate = sarif210Validator();
    for (const report of [
      sampleReport(),
      sampleReport({ vulnerabilities: [], secrets: [], misconfigurations: [], policy: undefined }),
    ]) {
      const valid = validate(JSON.parse(writeSarif(report)));
      expect(schemaErrors(validate)).toEqual([]);
      expect(valid).toBe(true);
    }
  });

  it("the schema check can fail: a result without a message is rejected", () => {
    const log = logOf(writeSarif(sampleReport())) as unknown as {
      runs: Array<{ results: Array<Record<string, unknown>> }>;
    };
    delete log.runs[0]?.results[0]?.message;
    expect(sarif210Validator()(log)).toBe(false);
  });

  it("names the tool and defines one rule per vulnerability id, secret rule and check", () => {
    const run = logOf(writeSarif(sampleReport())).runs[0];
    expect(run?.tool.driver).toMatchObject({ name: "portcullis", version: PORTCULLIS_VERSION });
    expect(run?.tool.driver.informationUri).toBeUndefined();
    const linked = logOf(writeSarif(sampleReport(), { informationUri: "https://scanner.example/docs" }))
      .runs[0];
    expect(linked?.tool.driver.informationUri).toBe("https://scanner.example/docs");
    const ids = run?.tool.driver.rules.map((r) => r.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        "CVE-2024-0727",
        "CVE-2023-45853",
        "GHSA-35jh-r3h4-6jhm",
        "aws-access-key-id",
        "private-key",
        "PCIMG-001",
        "PCIMG-006",
      ]),
    );
    expect(new Set(ids).size).toBe(ids?.length);
    for (const result of run?.results ?? [])
      expect(run?.tool.driver.rules[result.ruleIndex]?.id).toBe(result.ruleId);
  });

  it("gives GitHub a numeric security-severity: the CVSS score, else the level's", () => {
    const rules = logOf(writeSarif(sampleReport())).runs[0]?.tool.driver.rules ?? [];
    const severity = (id: string) => rules.find((r) => r.id === id)?.properties["security-severity"];
    expect(severity("CVE-2023-45853")).toBe("9.8");
    expect(severity("GHSA-35jh-r3h4-6jhm")).toBe("7.2");
    expect(severity("CVE-2099-0001")).toBe("2.0");
    expect(severity("aws-access-key-id")).toBe("9.5");
    expect(severity("PCIMG-001")).toBe("8.0");
    expect(severity("PCIMG-006")).toBe("2.0");
    for (const rule of rules) expect(Number(rule.properties["security-severity"])).not.toBeNaN();
    expect(rules.find((r) => r.id === "CVE-2024-0727")?.helpUri).toBe(
      "https://nvd.nist.gov/vuln/detail/CVE-2024-0727",
    );
    expect(rules.find((r) => r.id === "GHSA-35jh-r3h4-6jhm")?.properties.tags).toContain("kev");
  });

  it("locates each finding in its file of the image, at line 1 or the secret's line", () => {
    const results = logOf(writeSarif(sampleReport())).runs[0]?.results ?? [];
    const where = (ruleId: string) =>
      results.find((r) => r.ruleId === ruleId)?.locations[0]?.physicalLocation;
    expect(where("CVE-2024-0727")).toEqual({
      artifactLocation: { uri: "var/lib/dpkg/status" },
      region: { startLine: 1 },
    });
    expect(where("GHSA-35jh-r3h4-6jhm")?.artifactLocation.uri).toBe("app/package-lock.json");
    expect(where("aws-access-key-id")).toEqual({
      artifactLocation: { uri: "app/.env" },
      region: { startLine: 3 },
    });
    expect(where("PCIMG-001")?.artifactLocation.uri).toBe(artifactUri(ECR_IMAGE));
    for (const r of results)
      expect(r.locations[0]?.physicalLocation.region.startLine).toBeGreaterThanOrEqual(1);
    expect(results.find((r) => r.ruleId === "CVE-2023-45853")?.level).toBe("error");
    expect(results.find((r) => r.ruleId === "CVE-2024-0727")?.level).toBe("warning");
    expect(results.find((r) => r.ruleId === "PCIMG-006")?.level).toBe("note");
  });

  it("encodes image paths as relative URIs a colon cannot turn into a scheme", () => {
    expect(artifactUri("/usr/lib/node_modules/a b/package.json")).toBe(
      "usr/lib/node_modules/a%20b/package.json",
    );
    expect(artifactUri("nginx:1.25")).toBe("nginx%3A1.25");
    expect(artifactUri("")).toBe("image");
  });

  it("fingerprints findings stably, without the scan time, and distinguishes findings", () => {
    const first = logOf(writeSarif(sampleReport())).runs[0]?.results ?? [];
    const later =
      logOf(writeSarif(sampleReport({ createdAt: "2025-01-01T00:00:00.000Z" }))).runs[0]?.results ?? [];
    const prints = first.map((r) => r.partialFingerprints["portcullis/v1"]);
    expect(later.map((r) => r.partialFingerprints["portcullis/v1"])).toEqual(prints);
    expect(new Set(prints).size).toBe(prints.length);
  });

  it("reports policy-suppressed findings as externally suppressed results", () => {
    const results = logOf(writeSarif(sampleReport())).runs[0]?.results ?? [];
    const vex = results.find((r) => r.ruleId === "CVE-2023-5678");
    expect(vex?.suppressions).toEqual([
      { kind: "external", status: "accepted", justification: "vex: vulnerable_code_not_in_execute_path" },
    ]);
    expect(results.find((r) => r.ruleId === "CVE-2024-0727")?.suppressions).toBeUndefined();
    expect(results.filter((r) => r.suppressions).length).toBe(5);
  });

  it("never contains the clear secret, only its masked form", () => {
    const text = writeSarif(sampleReport());
    expect(leaksSecret(text)).toBe(false);
    expect(text).toContain("AKIA****************");
  });
});
