import type { Logger } from "../logger.js";
import { SCAN_COMPLETED_DETAIL_TYPE, type ScanCompletedDetail } from "../notify/scan-completed.js";
import { ASFF_BATCH_LIMIT, type AsffFinding, asffBatches, asffFindings } from "../report/asff-writer.js";
import type { ScanReport } from "../report/scan-report.js";

/** One finding BatchImportFindings refused, as the API reports it. */
export interface FailedFinding {
  Id: string;
  ErrorCode: string;
  ErrorMessage: string;
}

/** The documented BatchImportFindings response. */
export interface BatchImportFindingsResult {
  FailedCount: number;
  SuccessCount: number;
  FailedFindings: FailedFinding[];
}

/** The one call the import makes; the real one is a signed POST /findings/import. */
export interface SecurityHubPort {
  batchImportFindings(findings: readonly AsffFinding[]): Promise<BatchImportFindingsResult>;
}

export interface ImportOptions {
  /** Attempts per finding, the first included. */
  maxAttempts?: number;
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface ImportResult {
  imported: number;
  calls: number;
  /** Findings still refused after the last attempt, with the last error. */
  failed: FailedFinding[];
}

/**
 * Imports findings in batches of 100 (the API's limit). A call can succeed while refusing some
 * findings (FailedFindings: throttling, a limit); those are sent again with backoff, up to
 * maxAttempts, and whatever is still refused is reported, not thrown: one bad finding must not
 * make EventBridge retry, and so re-send, the whole report.
 */
export async function importFindings(
  hub: SecurityHubPort,
  findings: readonly AsffFinding[],
  options: ImportOptions = {},
): Promise<ImportResult> {
  const maxAttempts = options.maxAttempts ?? 3;
  const baseDelayMs = options.baseDelayMs ?? 200;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let imported = 0;
  let calls = 0;
  const failed: FailedFinding[] = [];
  for (const batch of asffBatches(findings, ASFF_BATCH_LIMIT)) {
    let pending: readonly AsffFinding[] = batch;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const result = await hub.batchImportFindings(pending);
      calls++;
      imported += result.SuccessCount;
      const refused = new Map(result.FailedFindings.map((f) => [f.Id, f]));
      if (refused.size === 0) break;
      if (attempt >= maxAttempts) {
        failed.push(...refused.values());
        break;
      }
      pending = pending.filter((finding) => refused.has(finding.Id));
      await sleep(Math.random() * baseDelayMs * 2 ** (attempt - 1));
    }
  }
  return { imported, calls, failed };
}

export interface SecurityHubImportDeps {
  hub: SecurityHubPort;
  readReport(uri: string): Promise<ScanReport | undefined>;
  /** The account and region of the Security Hub the findings go to. */
  accountId: string;
  region: string;
  productArn?: string;
  logger: Logger;
  import?: ImportOptions;
}

export type SecurityHubImportOutcome =
  | { status: "ignored"; reason: string }
  | { status: "imported"; imageKey: string; findings: number; imported: number; failed: FailedFinding[] };

/**
 * `Portcullis Scan Completed` → the stored report → ASFF → BatchImportFindings. Ids come from the
 * digest and finding identity (see asff-writer), so a rescan updates the same Security Hub findings.
 */
export async function importScanToSecurityHub(
  event: { "detail-type"?: string; detail?: unknown },
  deps: SecurityHubImportDeps,
): Promise<SecurityHubImportOutcome> {
  if (event["detail-type"] !== SCAN_COMPLETED_DETAIL_TYPE)
    return {
      status: "ignored",
      reason: `unexpected detail-type ${String(event["detail-type"]).slice(0, 100)}`,
    };
  const detail = event.detail as Partial<ScanCompletedDetail> | undefined;
  if (!detail?.reportUri) return { status: "ignored", reason: "the scan event names no report" };
  const report = await deps.readReport(detail.reportUri);
  // Thrown: the event is retried, and the report may just not be readable yet.
  if (!report) throw new Error(`report ${detail.reportUri.slice(0, 300)} not found`);
  const findings = asffFindings(report, {
    accountId: deps.accountId,
    region: deps.region,
    ...(deps.productArn ? { productArn: deps.productArn } : {}),
  });
  const result = await importFindings(deps.hub, findings, deps.import);
  const imageKey = String(detail.imageKey ?? "");
  if (result.failed.length > 0)
    deps.logger.warn("Security Hub refused findings", {
      imageKey,
      failed: result.failed.length,
      first: result.failed.slice(0, 5),
    });
  deps.logger.info("findings imported to Security Hub", {
    imageKey,
    findings: findings.length,
    imported: result.imported,
    calls: result.calls,
  });
  return {
    status: "imported",
    imageKey,
    findings: findings.length,
    imported: result.imported,
    failed: result.failed,
  };
}
