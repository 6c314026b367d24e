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
import { writeJson } from "../../lib/report/json-writer.js";
import type { ScanReport } from "../../lib/report/scan-report.js";
import { writeTable } from "../../lib/report/table-writer.js";
import { scanImage } from "../../lib/scan.js";
import { openDatabaseFile } from "../../lib/vulndb/db/db-reader.js";
import { defaultCacheDir, dockerConfigDir } from "../docker-config-dir.js";
import { ProgressBar } from "../progress.js";
import { stderrLogger } from "../stderr-logger.js";
import { defaultDbPath } from "../vulndb-path.js";

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

export interface ScanCommandOptions extends ImageOptions {
  format: string;
  output?: string;
  /** The vulnerability DB file; `--skip-db` sets `db` to false. */
  db?: string | false;
}

export const OUTPUT_FORMATS = ["table", "json", "cyclonedx", "spdx"] as const;

/** `sbom:<file>` reads a CycloneDX or SPDX document instead of an image. */
export const SBOM_PREFIX = "sbom:";

export async function runScan(image: string, opts: ScanCommandOptions): Promise<void> {
  const format = opts.format;
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(
      `unknown format ${JSON.stringify(format)}; expected one of ${OUTPUT_FORMATS.join(", ")}`,
    );
  }
  const report = await withVulnerabilities(await produceReport(image, opts), opts);
  const color = !opts.output && process.stdout.isTTY && !process.env.NO_COLOR;
  await emit(render(report, format, Boolean(color)), opts.output);
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
export async function produceReport(image: string, opts: ImageOptions): Promise<ScanReport> {
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
    });
  } finally {
    progress?.finish();
    await source.close?.();
  }
}

function render(report: ScanReport, format: string, color: boolean): string {
  switch (format) {
    case "json":
      return writeJson(report);
    case "cyclonedx":
      return writeCycloneDx(report);
    case "spdx":
      return writeSpdx(report);
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
