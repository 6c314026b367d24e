import { readFile, stat } from "node:fs/promises";
import { SourceError } from "../../errors.js";
import { SCAN_REPORT_SCHEMA_VERSION, type ScanReport } from "../../report/scan-report.js";
import { PORTCULLIS_VERSION } from "../../version.js";
import { CYCLONEDX_MEDIA_TYPE } from "./cyclonedx-writer.js";
import { MAX_SBOM_BYTES, type ReadSbomOptions, readSbom } from "./sbom-reader.js";
import { SPDX_MEDIA_TYPE } from "./spdx-writer.js";

export interface ScanSbomOptions extends ReadSbomOptions {
  /** The SBOM as the user named it; the report's name when the SBOM names no image. */
  name: string;
  now?: () => Date;
}

/**
 * A ScanReport from an SBOM instead of an image: the inventory the SBOM lists, with
 * artifact.source "sbom" and no layers, so every writer and later stage (matching, policy)
 * works on it unchanged. The image name, digest and platform come from the SBOM when it has them.
 */
export function scanSbom(bytes: Buffer, options: ScanSbomOptions): ScanReport {
  const now = options.now ?? (() => new Date());
  const started = now();
  const inventory = readSbom(bytes, options);
  const { artifact } = inventory;
  return {
    schemaVersion: SCAN_REPORT_SCHEMA_VERSION,
    tool: { name: "portcullis", version: PORTCULLIS_VERSION },
    createdAt: started.toISOString(),
    durationMs: now().getTime() - started.getTime(),
    artifact: {
      name: artifact.name || options.name,
      source: "sbom",
      digest: artifact.digest ?? "",
      ...(artifact.indexDigest ? { indexDigest: artifact.indexDigest } : {}),
      mediaType:
        artifact.mediaType ?? (inventory.format === "cyclonedx" ? CYCLONEDX_MEDIA_TYPE : SPDX_MEDIA_TYPE),
      platform: artifact.platform ?? { os: "", architecture: "" },
      configDigest: artifact.configDigest ?? "",
      ...(artifact.created ? { created: artifact.created } : {}),
      layers: [],
    },
    ...(inventory.os ? { os: inventory.os } : {}),
    packages: inventory.packages,
    warnings: inventory.warnings,
  };
}

/** scanSbom on a file, checking its size before reading it. */
export async function scanSbomFile(path: string, options: ScanSbomOptions): Promise<ScanReport> {
  const max = options.maxBytes ?? MAX_SBOM_BYTES;
  let bytes: Buffer;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new SourceError(`SBOM ${path} is not a file`);
    if (info.size > max)
      throw new SourceError(`SBOM ${path} is ${info.size} bytes, over the ${max}-byte limit`);
    bytes = await readFile(path);
  } catch (err) {
    if (err instanceof SourceError) throw err;
    const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
    throw new SourceError(`cannot read SBOM ${path}: ${why}`, { cause: err });
  }
  return scanSbom(bytes, options);
}
