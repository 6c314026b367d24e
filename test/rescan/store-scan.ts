import type { OperatingSystem, Package } from "../../lib/inventory/package.js";
import { writeCycloneDx } from "../../lib/inventory/sbom/cyclonedx-writer.js";
import { addVulnerabilities } from "../../lib/matching/add-vulnerabilities.js";
import { imageKeyPath } from "../../lib/pipeline/scan-worker.js";
import { SCAN_REPORT_SCHEMA_VERSION, type ScanReport } from "../../lib/report/scan-report.js";
import type { BlobStore, FindingsStore, ScanSummary } from "../../lib/stores/findings-store.js";
import { imageKey, type ScanJob } from "../../lib/stores/scan-job.js";
import type { VulnDb } from "../../lib/vulndb/db/db-reader.js";

const LAYER = { index: 0, diffID: `sha256:${"d".repeat(64)}`, digest: `sha256:${"c".repeat(64)}` };

export function pkg(ecosystem: string, name: string, version: string, source?: string): Package {
  return {
    ecosystem,
    name,
    version,
    ...(source ? { source: { name: source } } : {}),
    layer: LAYER,
    foundIn: ecosystem === "deb" ? "var/lib/dpkg/status" : `app/node_modules/${name}/package.json`,
  };
}

export function ecrJob(repository: string, digestChar: string, eventTime: string): ScanJob {
  return {
    v: 1,
    provider: "ecr",
    account: "111122223333",
    region: "eu-west-1",
    repository,
    digest: `sha256:${digestChar.repeat(64)}`,
    registry: "111122223333.dkr.ecr.eu-west-1.amazonaws.com",
    reason: "push",
    eventTime,
  };
}

/**
 * What the scan worker stores for a pushed image, without pulling one: the report matched against
 * `db`, its CycloneDX SBOM in the blob store, and the scan with findings and inventory.
 */
export async function storeScan(
  deps: { store: FindingsStore; blobs: BlobStore; db: VulnDb },
  job: ScanJob,
  inventory: { os?: OperatingSystem; packages: Package[] },
  at: Date,
): Promise<ScanSummary> {
  const base: ScanReport = {
    schemaVersion: SCAN_REPORT_SCHEMA_VERSION,
    tool: { name: "portcullis", version: "test" },
    createdAt: at.toISOString(),
    durationMs: 1,
    artifact: {
      name: `${job.registry}/${job.repository}@${job.digest}`,
      source: "registry",
      digest: job.digest,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      platform: { os: "linux", architecture: "amd64" },
      configDigest: `sha256:${"e".repeat(64)}`,
      layers: [],
    },
    ...(inventory.os ? { os: inventory.os } : {}),
    packages: inventory.packages,
    warnings: [],
  };
  const report = await addVulnerabilities(base, deps.db, at);
  const sbomKey = `sboms/${imageKeyPath(job)}/${report.createdAt.replace(/:/g, "")}.cdx.json`;
  await deps.blobs.put(sbomKey, writeCycloneDx(report), "application/vnd.cyclonedx+json");
  const findings = report.vulnerabilities ?? [];
  const counts: Record<string, number> = {};
  for (const f of findings) counts[f.severity.level] = (counts[f.severity.level] ?? 0) + 1;
  const summary: ScanSummary = {
    imageKey: imageKey(job),
    scannedAt: report.createdAt,
    dbBuiltAt: deps.db.metadata.builtAt,
    analyzersKey: "analyzers-test",
    counts,
    packages: report.packages.length,
    secrets: 0,
    sbomKey,
  };
  await deps.store.putScan(job, summary, findings, inventory);
  return summary;
}
