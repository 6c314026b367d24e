import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { openImageSource } from "../../lib/image/open-image-source.js";
import { parsePlatform } from "../../lib/image/platform.js";
import { dockerConfigCredentials } from "../../lib/image/registry/docker-config.js";
import { DirectoryLayerCache } from "../../lib/layers/layer-cache.js";
import { writeJson } from "../../lib/report/json-writer.js";
import type { ScanReport } from "../../lib/report/scan-report.js";
import { writeTable } from "../../lib/report/table-writer.js";
import { scanImage } from "../../lib/scan.js";
import { defaultCacheDir, dockerConfigDir } from "../docker-config-dir.js";
import { ProgressBar } from "../progress.js";
import { stderrLogger } from "../stderr-logger.js";

export interface ScanCommandOptions {
  format: string;
  output?: string;
  platform?: string;
  insecure?: boolean;
  cache: boolean;
  cacheDir?: string;
  progress: boolean;
  parallel: number;
}

export const OUTPUT_FORMATS = ["table", "json"] as const;

export async function runScan(image: string, opts: ScanCommandOptions): Promise<void> {
  const format = opts.format;
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(
      `unknown format ${JSON.stringify(format)}; expected one of ${OUTPUT_FORMATS.join(", ")}`,
    );
  }
  const platform = opts.platform ? parsePlatform(opts.platform) : undefined;
  const logger = stderrLogger();
  const source = await openImageSource(image, {
    insecure: opts.insecure,
    credentials: dockerConfigCredentials({ configDir: dockerConfigDir(), logger }),
    logger,
  });
  const progress = opts.progress ? ProgressBar.forStderr() : undefined;
  let report: ScanReport;
  try {
    report = await scanImage(source, {
      name: image,
      platform,
      concurrency: opts.parallel,
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
  const color = !opts.output && process.stdout.isTTY && !process.env.NO_COLOR;
  const text = format === "json" ? writeJson(report) : writeTable(report, { color });
  if (opts.output) await writeFile(opts.output, text);
  else process.stdout.write(text);
}

/** Bad command-line usage: reported like other expected errors, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
