import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3BlobStore } from "../../lib/aws/s3-blob-store.js";
import {
  type BatchImportFindingsResult,
  importFindings,
  importScanToSecurityHub,
  type SecurityHubPort,
} from "../../lib/aws/security-hub-import.js";
import { silentLogger } from "../../lib/logger.js";
import { SCAN_COMPLETED_DETAIL_TYPE } from "../../lib/notify/scan-completed.js";
import type { AsffFinding } from "../../lib/report/asff-writer.js";
import type { ScanReport } from "../../lib/report/scan-report.js";
import { type AwsEmulators, startAwsEmulators } from "../helpers/aws-emulators.js";
import { sampleReport, VULNERABILITIES } from "../report/report-factory.js";

/**
 * A stand-in for BatchImportFindings with the documented contract: at most 100 findings a call
 * (more is a validation error for the whole request), and a response of FailedCount,
 * SuccessCount and FailedFindings [{Id, ErrorCode, ErrorMessage}] for the findings it refused.
 */
class FakeSecurityHub implements SecurityHubPort {
  readonly calls: number[] = [];
  readonly stored = new Map<string, AsffFinding>();
  /** Id → how many more times to refuse it. */
  readonly refuse = new Map<string, number>();

  async batchImportFindings(findings: readonly AsffFinding[]): Promise<BatchImportFindingsResult> {
    if (findings.length > 100)
      throw new Error("InvalidInputException: Findings must contain at most 100 items");
    this.calls.push(findings.length);
    const failed: BatchImportFindingsResult["FailedFindings"] = [];
    for (const finding of findings) {
      const left = this.refuse.get(finding.Id) ?? 0;
      if (left > 0) {
        this.refuse.set(finding.Id, left - 1);
        failed.push({ Id: finding.Id, ErrorCode: "ThrottlingException", ErrorMessage: "Rate exceeded" });
      } else this.stored.set(finding.Id, finding);
    }
    return {
      FailedCount: failed.length,
      SuccessCount: findings.length - failed.length,
      FailedFindings: failed,
    };
  }
}

/** A report with 230 vulnerabilities (three batches), built from the sample report's. */
function bigReport(): ScanReport {
  const base = VULNERABILITIES[0] as (typeof VULNERABILITIES)[number];
  const vulnerabilities = Array.from({ length: 230 }, (_, i) => ({
    ...base,
    id: `CVE-2024-${String(10000 + i)}`,
    aliases: [`CVE-2024-${String(10000 + i)}`],
  }));
  return sampleReport({ vulnerabilities, secrets: [], misconfigurations: [] });
}

let emulators: AwsEmulators;
let blobs: S3BlobStore;

beforeAll(async () => {
  emulators = await startAwsEmulators(["reports"]);
  blobs = new S3BlobStore(emulators.s3Client(), { bucket: "reports" });
});
afterAll(async () => {
  await emulators?.stop();
});

const sleepless = { sleep: async () => {} };

describe("Security Hub import", () => {
  it("imports a stored report's findings from a Scan Completed event, 100 at a time", async () => {
    const report = bigReport();
    await blobs.put("reports/ecr/img/1.json", JSON.stringify(report), "application/json");
    const hub = new FakeSecurityHub();
    const outcome = await importScanToSecurityHub(
      {
        "detail-type": SCAN_COMPLETED_DETAIL_TYPE,
        detail: {
          imageKey: "ecr#123456789012#eu-west-1#shop/api@sha256:ab",
          reportUri: "s3://reports/reports/ecr/img/1.json",
        },
      },
      {
        hub,
        readReport: async (uri) => {
          const body = await blobs.get(uri.replace("s3://reports/", ""));
          return body ? (JSON.parse(body.toString("utf8")) as ScanReport) : undefined;
        },
        accountId: "123456789012",
        region: "eu-west-1",
        logger: silentLogger,
        import: sleepless,
      },
    );
    if (outcome.status !== "imported") throw new Error(`not imported: ${outcome.reason}`);
    // 230 vulnerabilities, plus the sample policy's suppressed findings.
    expect(outcome.findings).toBeGreaterThanOrEqual(230);
    expect(outcome).toMatchObject({ imported: outcome.findings, failed: [] });
    expect(hub.calls).toEqual([100, 100, outcome.findings - 200]);
    expect(hub.stored.size).toBe(outcome.findings);
    const first = [...hub.stored.values()][0];
    expect(first).toMatchObject({ SchemaVersion: "2018-10-08", AwsAccountId: "123456789012" });
  });

  it("sends refused findings again, and reports the ones still refused after the last attempt", async () => {
    const hub = new FakeSecurityHub();
    const findings = Array.from({ length: 150 }, (_, i) => ({ Id: `f-${i}` }) as AsffFinding);
    hub.refuse.set("f-3", 1); // refused once, then accepted
    hub.refuse.set("f-120", 1);
    hub.refuse.set("f-7", 99); // never accepted
    const result = await importFindings(hub, findings, { maxAttempts: 3, ...sleepless });
    expect(result.imported).toBe(149);
    expect(result.failed).toEqual([
      { Id: "f-7", ErrorCode: "ThrottlingException", ErrorMessage: "Rate exceeded" },
    ]);
    // Batch 1: 100, then the 2 refused, then the 1 still refused; batch 2: 50, then 1.
    expect(hub.calls).toEqual([100, 2, 1, 50, 1]);
    expect(hub.stored.has("f-3") && hub.stored.has("f-120")).toBe(true);
  });

  it("ignores other events and fails (for a retry) when the report is missing", async () => {
    const deps = {
      hub: new FakeSecurityHub(),
      readReport: async () => undefined,
      accountId: "123456789012",
      region: "eu-west-1",
      logger: silentLogger,
    };
    expect(await importScanToSecurityHub({ "detail-type": "Other" }, deps)).toMatchObject({
      status: "ignored",
    });
    expect(
      await importScanToSecurityHub({ "detail-type": SCAN_COMPLETED_DETAIL_TYPE, detail: {} }, deps),
    ).toMatchObject({
      status: "ignored",
    });
    await expect(
      importScanToSecurityHub(
        { "detail-type": SCAN_COMPLETED_DETAIL_TYPE, detail: { reportUri: "s3://r/missing" } },
        deps,
      ),
    ).rejects.toThrow(/not found/);
  });
});
