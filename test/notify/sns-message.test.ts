import { describe, expect, it } from "vitest";
import { buildScanCompletedDetail } from "../../lib/notify/scan-completed.js";
import {
  buildSnsScanMessage,
  MAX_SNS_MESSAGE_BYTES,
  snsMessageBytes,
  snsSubject,
} from "../../lib/notify/sns-message.js";
import { finding, job, manyFindings, summaryFor } from "./findings.js";

const uris = { reportUri: "s3://reports/r.json", sbomUri: "s3://reports/s.cdx.json" };

describe("SNS scan message", () => {
  const findings = [
    finding("CVE-2024-0001", "CRITICAL", { kev: true }),
    finding("CVE-2024-0002", "HIGH", { name: "zlib", fixedVersions: [] }),
    finding("CVE-2024-0003", "HIGH"),
  ];
  const detail = buildScanCompletedDetail(job, summaryFor(findings), findings, uris);
  const message = buildSnsScanMessage(detail);

  it("carries filter-policy attributes with the right types", () => {
    expect(message.MessageAttributes).toEqual({
      severity: { DataType: "String", StringValue: "CRITICAL" },
      account: { DataType: "String", StringValue: "123456789012" },
      repository: { DataType: "String", StringValue: "team/payments-api" },
      provider: { DataType: "String", StringValue: "ecr" },
      critical: { DataType: "Number", StringValue: "1" },
      high: { DataType: "Number", StringValue: "2" },
      medium: { DataType: "Number", StringValue: "0" },
      low: { DataType: "Number", StringValue: "0" },
      fixable: { DataType: "Number", StringValue: "2" },
      kev: { DataType: "Number", StringValue: "1" },
    });
    expect(Object.keys(message.MessageAttributes).length).toBeLessThanOrEqual(10);
  });

  it("is a JSON summary with a short human text in it", () => {
    expect(message).not.toHaveProperty("MessageStructure");
    const summary = JSON.parse(message.Message) as Record<string, unknown>;
    expect(Object.keys(summary)[0]).toBe("text");
    expect(summary).toMatchObject({ imageKey: detail.imageKey, maxSeverity: "CRITICAL", total: 3, ...uris });
    const text = String(summary.text);
    expect(text).toContain("team/payments-api:1.4.2");
    expect(text).toContain("1 critical, 2 high");
    expect(text).toContain("CRITICAL CVE-2024-0001 openssl 3.1.4-r0 (fixed in 3.1.4-r5) [KEV]");
    expect(text).toContain("Report: s3://reports/r.json");
    expect(message.Subject).toBe(
      "[Portcullis] CRITICAL: 1 critical, 2 high in team/payments-api:1.4.2 (123456789012)",
    );
  });

  it("says NONE and CLEAN for an image without findings", () => {
    const clean = buildSnsScanMessage(buildScanCompletedDetail(job, summaryFor([]), []));
    expect(clean.MessageAttributes.severity).toEqual({ DataType: "String", StringValue: "NONE" });
    expect(clean.Subject).toContain("CLEAN: no vulnerabilities");
  });

  it("keeps a 5,000-finding scan under 256 KiB including attributes", () => {
    const many = manyFindings(5000);
    const big = buildSnsScanMessage(buildScanCompletedDetail(job, summaryFor(many), many, uris));
    expect(snsMessageBytes(big)).toBeLessThan(MAX_SNS_MESSAGE_BYTES);
    expect(big.MessageAttributes.critical?.StringValue).toBe(String(Math.ceil(5000 / 6)));
  });

  it("stays under the limit with hostile strings from the image", () => {
    const huge = "漢".repeat(100_000);
    const hostileJob = { ...job, repository: huge, tag: huge, account: huge };
    const bad = Array.from({ length: 50 }, (_, i) =>
      finding(`${huge}${i}`, "HIGH", { name: huge, version: huge, fixedVersions: [huge] }),
    );
    const msg = buildSnsScanMessage(buildScanCompletedDetail(hostileJob, summaryFor(bad, hostileJob), bad));
    expect(snsMessageBytes(msg)).toBeLessThan(MAX_SNS_MESSAGE_BYTES);
    expect(msg.Subject.length).toBeLessThanOrEqual(100);
    expect(msg.Subject).toMatch(/^[\x20-\x7e]+$/);
    expect(Array.from(msg.MessageAttributes.repository?.StringValue ?? "").length).toBeLessThanOrEqual(256);
  });

  it("makes subjects ASCII, single-line and at most 100 characters", () => {
    expect(snsSubject("Café crème\nnew line\tand 😀")).toBe("Cafe creme new line and ?");
    const long = snsSubject(`[Portcullis] ${"a".repeat(200)}`);
    expect(long).toHaveLength(100);
    expect(long.endsWith("...")).toBe(true);
    expect(snsSubject("\n\n")).toBe("Portcullis scan completed");
  });
});
