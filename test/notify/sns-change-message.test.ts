import { describe, expect, it } from "vitest";
import { buildSnsChangeMessage } from "../../lib/notify/sns-change-message.js";
import { MAX_SNS_MESSAGE_BYTES, snsMessageBytes } from "../../lib/notify/sns-message.js";
import { changeOf, image } from "./changes.js";
import { finding, manyFindings } from "./findings.js";

describe("SNS image-change message", () => {
  const change = changeOf(
    [
      finding("CVE-2024-0001", "CRITICAL", { kev: true, epss: { probability: 0.5, percentile: 0.9 } }),
      finding("CVE-2024-0002", "HIGH", { name: "zlib", fixedVersions: [], status: "affected" }),
    ],
    [finding("CVE-2023-0001", "MEDIUM", { name: "musl" })],
    { reason: "rescan", reportUri: "s3://reports/r.json" },
  );
  const message = buildSnsChangeMessage(change);

  it("carries filter-policy attributes", () => {
    expect(message.MessageAttributes).toEqual({
      severity: { DataType: "String", StringValue: "CRITICAL" },
      account: { DataType: "String", StringValue: "123456789012" },
      repository: { DataType: "String", StringValue: "team/payments-api" },
      provider: { DataType: "String", StringValue: "ecr" },
      reason: { DataType: "String", StringValue: "rescan" },
      kev: { DataType: "String", StringValue: "true" },
      fixable: { DataType: "String", StringValue: "true" },
      new: { DataType: "Number", StringValue: "2" },
      resolved: { DataType: "Number", StringValue: "1" },
    });
    expect(Object.keys(message.MessageAttributes).length).toBeLessThanOrEqual(10);
  });

  it("says false and NONE when nothing new is exploited, fixable or present", () => {
    const quiet = buildSnsChangeMessage(changeOf([], [finding("CVE-2023-0001", "HIGH")]));
    expect(quiet.MessageAttributes).toMatchObject({
      severity: { StringValue: "NONE" },
      kev: { StringValue: "false" },
      fixable: { StringValue: "false" },
      new: { StringValue: "0" },
    });
    expect(quiet.Subject).toBe("[Portcullis] RESOLVED: 1 resolved in team/payments-api:1.4.2 (123456789012)");
    const unfixed = buildSnsChangeMessage(changeOf([finding("CVE-1", "LOW", { fixedVersions: [] })]));
    expect(unfixed.MessageAttributes.fixable?.StringValue).toBe("false");
  });

  it("has a JSON body with counts, top findings and a text for e-mail", () => {
    const body = JSON.parse(message.Message) as Record<string, unknown>;
    expect(Object.keys(body)[0]).toBe("text");
    expect(body).toMatchObject({
      type: "image-change",
      reason: "rescan",
      maxSeverity: "CRITICAL",
      newTotal: 2,
      resolvedTotal: 1,
      fixable: 1,
      kev: 1,
      counts: { new: { CRITICAL: 1, HIGH: 1 }, resolved: { MEDIUM: 1 } },
      topNew: [
        { id: "CVE-2024-0001", package: "openssl", fixed: "3.1.4-r5", kev: true, epss: 0.5 },
        { id: "CVE-2024-0002", package: "zlib" },
      ],
      topResolved: [{ id: "CVE-2023-0001", package: "musl" }],
      topNewTruncated: false,
    });
    expect(String(body.text)).toContain("Portcullis rescanned team/payments-api:1.4.2");
    expect(String(body.text)).toContain("CRITICAL CVE-2024-0001 openssl 3.1.4-r0 (fixed in 3.1.4-r5) [KEV]");
    expect(message.Subject).toBe(
      "[Portcullis] CRITICAL: 2 new, 1 resolved in team/payments-api:1.4.2 (123456789012)",
    );
  });

  it("keeps 500 findings with 10 KB names and a huge image under 256 KiB", () => {
    const huge = "漢".repeat(10_000);
    const findings = manyFindings(500).map((f, i) => ({
      ...f,
      id: `${huge}${i}`,
      package: { ...f.package, name: huge, version: huge },
      fixedVersions: [huge],
      references: Array.from({ length: 50 }, () => `https://example.com/${huge}`),
    }));
    const big = buildSnsChangeMessage(
      changeOf(findings, findings, {
        image: { ...image, repository: huge, account: huge, tags: Array.from({ length: 1000 }, () => huge) },
        reportUri: huge,
      }),
    );
    expect(snsMessageBytes(big)).toBeLessThan(MAX_SNS_MESSAGE_BYTES);
    const body = JSON.parse(big.Message) as { topNew: unknown[]; topNewTruncated: boolean; newTotal: number };
    expect(body.newTotal).toBe(500);
    expect(body.topNew.length).toBeGreaterThan(0);
    expect(body.topNewTruncated).toBe(true);
    expect(big.Subject.length).toBeLessThanOrEqual(100);
    expect(big.MessageAttributes.new?.StringValue).toBe("500");
  });
});
