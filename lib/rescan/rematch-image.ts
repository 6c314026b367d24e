import { scanSbom } from "../inventory/sbom/scan-sbom.js";
import type { Logger } from "../logger.js";
import { addVulnerabilities } from "../matching/add-vulnerabilities.js";
import { SEVERITY_LEVELS, type VulnerabilityFinding } from "../matching/finding.js";
import { applyPolicy } from "../policy/apply-policy.js";
import { policyForRepository, type RepositoryPolicies } from "../policy/repository-policy.js";
import { writeJson } from "../report/json-writer.js";
import {
  type BlobStore,
  type FindingsStore,
  type ScanSummary,
  suppressedVulnerabilities,
} from "../stores/findings-store.js";
import type { ScanJob } from "../stores/scan-job.js";
import type { VulnDb } from "../vulndb/db/db-reader.js";
import { diffFindings } from "./finding-diff.js";

/** The Image META fields a rescan needs to address its write like the original scan did. */
export interface StoredImage {
  provider: string;
  account: string;
  region: string;
  repository: string;
  digest: string;
  registry?: string;
  status: "active" | "deleted";
}

/** What a re-match reads and writes; DynamoFindingsStore satisfies it. */
export interface RematchStore extends Pick<FindingsStore, "latestScan" | "findings" | "putScan"> {
  image(imageKey: string): Promise<StoredImage | undefined>;
}

export interface RematchDeps {
  store: RematchStore;
  blobs: BlobStore;
  /** The new DB build. */
  vulnDb: VulnDb;
  logger: Logger;
  now?: () => Date;
  /** The same per-repository policies the scan worker applies, so suppressed findings stay so. */
  policies?: RepositoryPolicies;
}

export type RematchOutcome =
  | {
      status: "rematched";
      imageKey: string;
      added: VulnerabilityFinding[];
      resolved: VulnerabilityFinding[];
      summary: ScanSummary;
    }
  /** Nothing to do: deleted, never scanned, no SBOM, or already matched against this DB build. */
  | { status: "skipped"; imageKey: string; reason: string; added: []; resolved: [] };

const PROVIDERS: ReadonlySet<string> = new Set<ScanJob["provider"]>(["ecr", "gar", "registry"]);

/**
 * Re-matches one stored image against a new DB without pulling it: the inventory comes from the
 * SBOM its latest scan stored. The result is stored as a scan with reason "rescan", so putScan
 * opens new findings and resolves vanished ones exactly as for a pushed image; the returned diff
 * is what a notifier announces.
 */
export async function rematchImage(imageKey: string, deps: RematchDeps): Promise<RematchOutcome> {
  const { store, vulnDb, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const [image, latest] = await Promise.all([store.image(imageKey), store.latestScan(imageKey)]);
  if (image?.status !== "active") return skipped(imageKey, "image deleted or unknown");
  if (!latest?.sbomKey) return skipped(imageKey, "no stored scan with an SBOM");
  // SQS may deliver a batch twice, and a DB-update rescan may overlap the scheduled one.
  if (latest.dbBuiltAt === vulnDb.metadata.builtAt) return skipped(imageKey, "already matched with this DB");
  if (!PROVIDERS.has(image.provider)) return skipped(imageKey, `unknown provider ${image.provider}`);

  const sbom = await deps.blobs.get(latest.sbomKey);
  if (!sbom) {
    logger.warn("stored SBOM missing; the image needs a full scan", { imageKey, sbomKey: latest.sbomKey });
    return skipped(imageKey, `SBOM ${latest.sbomKey} not found`);
  }
  const at = now();
  let report = await addVulnerabilities(scanSbom(sbom, { name: imageKey, now: () => at }), vulnDb, at);
  if (deps.policies) {
    const policy = policyForRepository(deps.policies, `${image.registry ?? ""}/${image.repository}`);
    report = applyPolicy(report, policy, at);
  }
  const findings = report.vulnerabilities ?? [];
  const diff = diffFindings(await store.findings(imageKey), findings);

  const scannedAt = at.toISOString();
  const reportKey = rescanReportKey(latest.sbomKey, scannedAt);
  await deps.blobs.put(reportKey, writeJson(report), "application/json");
  const summary = rescanSummary(imageKey, latest, findings, {
    scannedAt,
    dbBuiltAt: report.vulnerabilityDb?.builtAt ?? vulnDb.metadata.builtAt,
    packages: report.packages.length,
    reportKey,
    ...(report.policy ? { policy: report.policy.result } : {}),
  });
  const job: ScanJob = {
    v: 1,
    provider: image.provider as ScanJob["provider"],
    account: image.account,
    region: image.region,
    repository: image.repository,
    digest: image.digest,
    registry: image.registry ?? "",
    reason: "rescan",
    eventTime: scannedAt,
  };
  // No inventory: it is the stored one, already indexed when the image was scanned.
  await store.putScan(job, summary, findings, undefined, {
    suppressed: suppressedVulnerabilities(report.policy),
  });
  logger.info("image re-matched", { imageKey, added: diff.added.length, resolved: diff.resolved.length });
  return { status: "rematched", imageKey, ...diff, summary };
}

/**
 * The new scan's summary: counts from the new match; what the SBOM cannot tell (analyzers,
 * secrets, image configuration) carried over from the scan that produced the SBOM.
 */
function rescanSummary(
  imageKey: string,
  previous: ScanSummary,
  findings: readonly VulnerabilityFinding[],
  fresh: Pick<ScanSummary, "scannedAt" | "dbBuiltAt" | "packages" | "reportKey" | "policy">,
): ScanSummary {
  const counts: Record<string, number> = {};
  for (const f of findings) counts[f.severity.level] = (counts[f.severity.level] ?? 0) + 1;
  const maxSeverity = SEVERITY_LEVELS.find((s) => counts[s]);
  return {
    imageKey,
    ...fresh,
    analyzersKey: previous.analyzersKey,
    counts,
    ...(maxSeverity ? { maxSeverity } : {}),
    ...(previous.secrets !== undefined ? { secrets: previous.secrets } : {}),
    ...(previous.misconfigurations !== undefined ? { misconfigurations: previous.misconfigurations } : {}),
    ...(previous.sbomKey ? { sbomKey: previous.sbomKey } : {}),
  };
}

/** Next to the image's other reports: `sboms/<path>/<stamp>.cdx.json` → `reports/<path>/<new>.json`. */
export function rescanReportKey(sbomKey: string, scannedAt: string): string {
  const folder = sbomKey.startsWith("sboms/")
    ? sbomKey.slice("sboms/".length, sbomKey.lastIndexOf("/"))
    : "rescans";
  return `reports/${folder}/${scannedAt.replace(/:/g, "")}.json`;
}

function skipped(imageKey: string, reason: string): RematchOutcome {
  return { status: "skipped", imageKey, reason, added: [], resolved: [] };
}
