import { describe, expect, it } from "vitest";
import {
  buildScanCompletedDetail,
  EVENT_SOURCE,
  eventEntryBytes,
  MAX_EVENT_ENTRY_BYTES,
  SCAN_COMPLETED_DETAIL_TYPE,
  scanCompletedEntry,
  truncate,
} from "../../lib/notify/scan-completed.js";
import { finding, job, manyFindings, summaryFor } from "./findings.js";

const uris = { reportUri: "s3://reports/r.json", sbomUri: "s3://reports/s.cdx.json" };

describe("scan completed event detail", () => {
  it("summarises the image, counts, fixable, KEV and the most severe findings first", () => {
    const findings = [
      finding("CVE-2024-0003", "MEDIUM", { name: "busybox", version: "1.36.1-r0", fixedVersions: [] }),
      finding("CVE-2024-0001", "CRITICAL", { severity: { level: "CRITICAL", score: 9.1 } }),
      finding("CVE-2024-0002", "CRITICAL", { kev: true, severity: { level: "CRITICAL", score: 8 } }),
      finding("CVE-2024-0004", "HIGH", { name: "zlib", version: "1.3-r0", fixedVersions: ["1.3.1-r0"] }),
    ];
    const detail = buildScanCompletedDetail(job, summaryFor(findings), findings, uris);
    expect(detail).toMatchObject({
      version: 1,
      imageKey: `ecr#123456789012#eu-west-1#team/payments-api@${job.digest}`,
      provider: "ecr",
      account: "123456789012",
      region: "eu-west-1",
      repository: "team/payments-api",
      digest: job.digest,
      tags: ["1.4.2"],
      dbBuiltAt: "2026-11-28T06:00:00.000Z",
      counts: { CRITICAL: 2, HIGH: 1, MEDIUM: 1, LOW: 0, NEGLIGIBLE: 0, UNKNOWN: 0 },
      total: 4,
      maxSeverity: "CRITICAL",
      fixable: 3,
      kev: 1,
      topFindingsTruncated: false,
      ...uris,
    });
    // KEV first within a level, then the higher score.
    expect(detail.topFindings.map((f) => f.id)).toEqual([
      "CVE-2024-0002",
      "CVE-2024-0001",
      "CVE-2024-0004",
      "CVE-2024-0003",
    ]);
    expect(detail.topFindings[0]).toEqual({
      id: "CVE-2024-0002",
      package: "openssl",
      installed: "3.1.4-r0",
      fixed: "3.1.4-r5",
      severity: "CRITICAL",
      kev: true,
    });
    expect(detail.topFindings[3]).not.toHaveProperty("fixed");
  });

  it("reports a clean image with zero counts, no max severity and no tags when the job had none", () => {
    const { tag: _tag, ...untagged } = job;
    const detail = buildScanCompletedDetail(untagged, summaryFor([]), []);
    expect(detail.counts).toEqual({ CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, NEGLIGIBLE: 0, UNKNOWN: 0 });
    expect(detail).not.toHaveProperty("maxSeverity");
    expect(detail.tags).toEqual([]);
    expect(detail.topFindings).toEqual([]);
  });

  it("keeps 5,000 findings to ten top findings and the entry far under 256 KiB", () => {
    const findings = manyFindings(5000);
    const detail = buildScanCompletedDetail(job, summaryFor(findings), findings, uris);
    expect(detail.total).toBe(5000);
    expect(detail.topFindings).toHaveLength(10);
    expect(detail.topFindingsTruncated).toBe(true);
    expect(detail.topFindings.every((f) => f.severity === "CRITICAL")).toBe(true);
    expect(detail.counts.CRITICAL + detail.counts.UNKNOWN).toBe(Math.ceil(5000 / 6) + Math.floor(5000 / 6));
    expect(detail.kev).toBe(Math.ceil(5000 / 97));
    const entry = scanCompletedEntry(detail);
    expect(entry).toMatchObject({ Source: EVENT_SOURCE, DetailType: SCAN_COMPLETED_DETAIL_TYPE });
    expect(JSON.parse(entry.Detail)).toEqual(detail);
    expect(eventEntryBytes(detail)).toBeLessThan(16 * 1024);
  });

  it("caps hostile strings from the image so the entry stays under 256 KiB", () => {
    const huge = "é".repeat(200_000);
    const findings = Array.from({ length: 3000 }, (_, i) =>
      finding(`${huge}${i}`, "CRITICAL", { name: huge, version: huge, fixedVersions: [huge] }),
    );
    const hostileJob = { ...job, repository: huge, tag: huge };
    const detail = buildScanCompletedDetail(hostileJob, summaryFor(findings, hostileJob), findings, {
      reportUri: `s3://b/${huge}`,
    });
    const bytes = eventEntryBytes(detail);
    expect(bytes).toBeLessThan(MAX_EVENT_ENTRY_BYTES);
    expect(detail.topFindings).toHaveLength(10);
    expect(Array.from(detail.repository)).toHaveLength(256);
    expect(detail.repository.endsWith("…")).toBe(true);
    expect(Array.from(detail.topFindings[0]?.package ?? "")).toHaveLength(256);
  });

  it("truncates by code points without splitting surrogate pairs", () => {
    expect(truncate("abc", 3)).toBe("abc");
    expect(truncate("abcdef", 4)).toBe("abc…");
    expect(truncate("😀😀😀", 2)).toBe("😀…");
  });
});
