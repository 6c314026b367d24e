import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ANALYZERS } from "../../lib/analyzers/index.js";
import { type PackageType, selectAnalyzers } from "../../lib/analyzers/select-analyzers.js";
import { openImageSource } from "../../lib/image/open-image-source.js";
import { parsePlatform } from "../../lib/image/platform.js";
import { dockerConfigCredentials } from "../../lib/image/registry/docker-config.js";
import { writeCycloneDx } from "../../lib/inventory/sbom/cyclonedx-writer.js";
import { scanSbomFile } from "../../lib/inventory/sbom/scan-sbom.js";
import { writeSpdx } from "../../lib/inventory/sbom/spdx-writer.js";
import { DirectoryLayerCache } from "../../lib/layers/layer-cache.js";
import { addVulnerabilities } from "../../lib/matching/add-vulnerabilities.js";
import { applyPolicy } from "../../lib/policy/apply-policy.js";
import { ecrImage } from "../../lib/report/asff-resource.js";
import { writeAsff } from "../../lib/report/asff-writer.js";
import { writeJson } from "../../lib/report/json-writer.js";
import { writeMarkdown } from "../../lib/report/markdown-writer.js";
import { writeOpenVex } from "../../lib/report/openvex-writer.js";
import { writeSarif } from "../../lib/report/sarif-writer.js";
import type { ScanReport } from "../../lib/report/scan-report.js";
import { writeTable } from "../../lib/report/table-writer.js";
import { scanImage } from "../../lib/scan.js";
import { openDatabaseFile } from "../../lib/vulndb/db/db-reader.js";
import { defaultCacheDir, dockerConfigDir } from "../docker-config-dir.js";
import { ProgressBar } from "../progress.js";
import { stderrLogger } from "../stderr-logger.js";
import { defaultDbPath } from "../vulndb-path.js";
import { type PolicyFlags, policyFromFlags } from "./policy-inputs.js";

/** How to reach and scan the image: shared by `scan` and `sbom`. */
export interface ImageOptions {
  platform?: string;
  insecure?: boolean;
  cache: boolean;
  cacheDir?: string;
  progress: boolean;
  parallel: number;
  pkgTypes: PackageType[];
  includeLockfiles?: boolean;
}

export interface ScanCommandOptions extends ImageOptions, PolicyFlags {
  format: string;
  output?: string;
  /** The vulnerability DB file; `--skip-db` sets `db` to false. */
  db?: string | false;
  scanners: Scanner[];
  /** For --format asff: the Security Hub account and region (default: the ECR image's). */
  awsAccountId?: string;
  awsRegion?: string;
}

export const OUTPUT_FORMATS = [
  "table",
  "json",
  "sarif",
  "cyclonedx",
  "spdx",
  "openvex",
  "markdown",
  "asff",
] as const;

/** What a scan looks for: vulnerabilities, secrets in layer files, image configuration (and CIS). */
export const SCANNERS = ["vuln", "secret", "config"] as const;
export type Scanner = (typeof SCANNERS)[number];

/** Exit codes: 0 pass, 1 the policy failed, 2 error (set by main). */
export const EXIT_POLICY_FAILED = 1;

/** `sbom:<file>` reads a CycloneDX or SPDX document instead of an image. */
export const SBOM_PREFIX = "sbom:";

/** Scans, applies the policy, writes the report; returns the exit code (0 pass, 1 policy failed). */
export async function runScan(image: string, opts: ScanCommandOptions): Promise<number> {
  const format = opts.format;
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(
      `unknown format ${JSON.stringify(format)}; expected one of ${OUTPUT_FORMATS.join(", ")}`,
    );
  }
  const asff = format === "asff" ? asffTarget(image, opts) : undefined;
  // Read the policy inputs first: a malformed ignore file should fail before a long scan.
  const policy = await policyFromFlags(opts);
  const scanners = new Set(opts.scanners);
  const produced = await produceReport(image, opts, {
    secrets: scanners.has("secret"),
    imageConfig: scanners.has("config"),
  });
  const matched = scanners.has("vuln") ? await withVulnerabilities(produced, opts) : produced;
  const report = policy ? applyPolicy(matched, policy, new Date()) : matched;
  const color = !opts.output && process.stdout.isTTY && !process.env.NO_COLOR;
  await emit(render(report, format, Boolean(color), asff), opts.output);
  if (report.policy?.result === "fail") {
    process.stderr.write(`portcullis: policy failed: ${report.policy.failures.join("; ")}\n`);
    return EXIT_POLICY_FAILED;
  }
  return 0;
}

/** Security Hub needs an account and region: the flags', else the ECR image's own. */
function asffTarget(image: string, opts: ScanCommandOptions): { accountId: string; region: string } {
  const ecr = ecrImage(image);
  const accountId = opts.awsAccountId ?? ecr?.registryId;
  const region = opts.awsRegion ?? ecr?.region;
  if (!accountId || !region) {
    throw new UsageError("--format asff needs --aws-account-id and --aws-region for images outside ECR");
  }
  return { accountId, region };
}

/**
 * Matches the inventory against the DB: the one given with --db (which must exist), else the one
 * `db update` keeps in the cache. Without any, the scan lists packages and says how to get a DB.
 */
async function withVulnerabilities(report: ScanReport, opts: ScanCommandOptions): Promise<ScanReport> {
  if (opts.db === false) return report;
  const path = opts.db ?? defaultDbPath(opts.cacheDir);
  if (opts.db === undefined && !existsSync(path)) {
    process.stderr.write(
      "portcullis: no vulnerability DB yet; run `portcullis db update` (or `portcullis db build --source <path>`); listing packages only\n",
    );
    return report;
  }
  const db = await openDatabaseFile(path);
  try {
    return await addVulnerabilities(report, db);
  } finally {
    await db.close();
  }
}

/** The report of an image (registry, oci:, docker-archive:) or of an SBOM (sbom:<file>). */
export async function produceReport(
  image: string,
  opts: ImageOptions,
  checks: { secrets: boolean; imageConfig: boolean } = { secrets: false, imageConfig: false },
): Promise<ScanReport> {
  if (image.startsWith(SBOM_PREFIX)) return scanSbomFile(image.slice(SBOM_PREFIX.length), { name: image });
  const platform = opts.platform ? parsePlatform(opts.platform) : undefined;
  const logger = stderrLogger();
  const source = await openImageSource(image, {
    insecure: opts.insecure,
    credentials: dockerConfigCredentials({ configDir: dockerConfigDir(), logger }),
    logger,
  });
  const progress = opts.progress ? ProgressBar.forStderr() : undefined;
  try {
    return await scanImage(source, {
      name: image,
      platform,
      concurrency: opts.parallel,
      analyzers: selectAnalyzers(ANALYZERS, {
        pkgTypes: opts.pkgTypes,
        includeLockfiles: opts.includeLockfiles,
      }),
      layerCache: opts.cache
        ? new DirectoryLayerCache(join(opts.cacheDir ?? defaultCacheDir(), "layers"))
        : undefined,
      onProgress: progress?.onProgress,
      logger,
      ...checks,
    });
  } finally {
    progress?.finish();
    await source.close?.();
  }
}

function render(
  report: ScanReport,
  format: string,
  color: boolean,
  asff: { accountId: string; region: string } | undefined,
): string {
  switch (format) {
    case "json":
      return writeJson(report);
    case "sarif":
      return writeSarif(report);
    case "cyclonedx":
      return writeCycloneDx(report);
    case "spdx":
      return writeSpdx(report);
    case "openvex":
      return writeOpenVex(report);
    case "markdown":
      return writeMarkdown(report);
    case "asff":
      return writeAsff(report, asff as { accountId: string; region: string });
    default:
      return writeTable(report, { color });
  }
}

/** Writes to the file when one was named, else to stdout. */
export async function emit(text: string, output: string | undefined): Promise<void> {
  if (output) await writeFile(output, text);
  else process.stdout.write(text);
}

/** Bad command-line usage: reported like other expected errors, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
