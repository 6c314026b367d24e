import { describe, expect, it } from "vitest";
import { applyPolicy } from "../../lib/policy/apply-policy.js";
import { parseIgnoreFile } from "../../lib/policy/ignore-file.js";
import { report, vuln } from "./scan-report-factory.js";

const FILE = `
ignore:
  - id: CVE-2023-42363
    reason: awk is not used at runtime
    expires: 2024-06-29
  - id: CVE-2023-42364
    reason: same applet, same reasoning
    expires: 2024-06-30
  - id: CVE-2019-0001
    reason: long gone from the image
    expires: 2024-01-01
`;

describe("ignore file expiry", () => {
  const ignores = parseIgnoreFile(FILE, ".portcullisignore.yaml");
  const scan = report({
    vulnerabilities: [vuln("CVE-2023-42363", "MEDIUM"), vuln("CVE-2023-42364", "MEDIUM")],
  });
  // The day after the first entry's expiry, the last day of the second.
  const now = new Date("2024-06-30T15:00:00Z");
  const out = applyPolicy(scan, { ignores, failOn: "MEDIUM" }, now);

  it("does not let an entry one day past its expiry suppress anything", () => {
    expect(out.vulnerabilities?.map((f) => f.id)).toEqual(["CVE-2023-42363"]);
    expect(out.policy?.result).toBe("fail");
    expect(out.policy?.failures).toEqual(["1 vulnerability of severity MEDIUM or above"]);
  });

  it("still applies an entry that expires today, and records its expiry", () => {
    expect(out.policy?.suppressed).toEqual([
      {
        kind: "vulnerability",
        finding: scan.vulnerabilities?.[1],
        suppression: {
          source: "ignore-file",
          reason: "same applet, same reasoning",
          origin: ".portcullisignore.yaml",
          expires: "2024-06-30",
        },
      },
    ]);
  });

  it("reports every expired entry exactly once, matched or not", () => {
    expect(out.policy?.expiredIgnores).toEqual([
      {
        id: "CVE-2023-42363",
        reason: "awk is not used at runtime",
        expires: "2024-06-29",
        origin: ".portcullisignore.yaml",
      },
      {
        id: "CVE-2019-0001",
        reason: "long gone from the image",
        expires: "2024-01-01",
        origin: ".portcullisignore.yaml",
      },
    ]);
  });

  it("stops applying at midnight UTC after the expiry date", () => {
    const lastMoment = applyPolicy(scan, { ignores }, new Date("2024-06-30T23:59:59Z"));
    expect(lastMoment.vulnerabilities?.map((f) => f.id)).toEqual(["CVE-2023-42363"]);
    const nextDay = applyPolicy(scan, { ignores }, new Date("2024-07-01T00:00:00Z"));
    expect(nextDay.vulnerabilities?.map((f) => f.id)).toEqual(["CVE-2023-42363", "CVE-2023-42364"]);
    expect(nextDay.policy?.expiredIgnores.map((e) => e.id)).toEqual([
      "CVE-2023-42363",
      "CVE-2023-42364",
      "CVE-2019-0001",
    ]);
    expect(nextDay.policy?.suppressed).toEqual([]);
  });

  it("lets a live entry for the same id apply when another one has expired", () => {
    const both = parseIgnoreFile(
      "ignore:\n  - id: CVE-2023-42363\n    expires: 2024-01-01\n  - id: CVE-2023-42363\n    reason: renewed\n",
      "a.yaml",
    );
    const result = applyPolicy(scan, { ignores: both }, now);
    expect(result.policy?.suppressed.map((s) => s.suppression.reason)).toEqual(["renewed"]);
    expect(result.policy?.expiredIgnores).toHaveLength(1);
  });

  it("lists an expired entry once when the policy is applied again", () => {
    const again = applyPolicy(out, { ignores }, now);
    expect(again.policy?.expiredIgnores.map((e) => e.id)).toEqual(["CVE-2023-42363", "CVE-2019-0001"]);
  });
});
