import { ANALYZERS, analyzersCacheKey } from "./analyzers/index.js";
import { identifyOperatingSystem } from "./analyzers/os-release/identify-operating-system.js";
import type { Analyzer } from "./analyzers/types.js";
import { runChecks } from "./checks/run-checks.js";
import { secretsAnalyzer } from "./checks/secrets/secrets-analyzer.js";
import { resolveImage } from "./image/resolve.js";
import type { ImageSource, Platform } from "./image/types.js";
import { applyLayers, type LayerInput } from "./inventory/apply-layers.js";
import { assignOwners } from "./inventory/ownership.js";
import type { LayerRef } from "./inventory/package.js";
import { withPurls } from "./inventory/purl.js";
import { type LayerCache, layerCacheKey } from "./layers/layer-cache.js";
import type { LayerResult } from "./layers/layer-result.js";
import { DEFAULT_LAYER_LIMITS, type LayerLimits } from "./layers/limits.js";
import { mapWithConcurrency } from "./layers/pool.js";
import { scanLayer } from "./layers/scan-layer.js";
import { type Logger, silentLogger } from "./logger.js";
import { addVulnerabilities } from "./matching/add-vulnerabilities.js";
import { type ReportLayer, SCAN_REPORT_SCHEMA_VERSION, type ScanReport } from "./report/scan-report.js";
import { PORTCULLIS_VERSION } from "./version.js";
import type { VulnDb } from "./vulndb/db/db-reader.js";

export type ScanProgress =
  | { kind: "resolved"; layers: Array<{ index: number; size: number }> }
  | { kind: "layer-bytes"; index: number; bytes: number }
  | { kind: "layer-done"; index: number; cached: boolean };

export interface ScanOptions {
  /** The image as the user named it, for the report. Defaults to the source's name. */
  name?: string;
  platform?: Platform;
  analyzers?: readonly Analyzer[];
  limits?: Partial<LayerLimits>;
  /** Layers analysed at once. Decompression runs on libuv threads, so a little over the core count. */
  concurrency?: number;
  layerCache?: LayerCache;
  logger?: Logger;
  onProgress?: (event: ScanProgress) => void;
  now?: () => Date;
  /** When given, the inventory is matched against it and the report lists vulnerabilities. */
  vulnDb?: VulnDb;
  /** Look for credentials in every layer's text files (adds the secrets analyzer to the walk). */
  secrets?: boolean;
  /** Check the image configuration and filesystem and evaluate the CIS Docker Benchmark controls. */
  imageConfig?: boolean;
}

/** The whole pipeline: resolve → layers (parallel, streamed once) → overlay → inventory → report. */
export async function scanImage(source: ImageSource, options: ScanOptions = {}): Promise<ScanReport> {
  const now = options.now ?? (() => new Date());
  const started = now();
  const logger = options.logger ?? silentLogger;
  const selected = options.analyzers ?? ANALYZERS;
  const analyzers =
    options.secrets && !selected.includes(secretsAnalyzer) ? [...selected, secretsAnalyzer] : selected;
  const limits = { ...DEFAULT_LAYER_LIMITS, ...options.limits };
  const analyzersKey = analyzersCacheKey(analyzers);

  const image = await resolveImage(source, { platform: options.platform });
  const descriptors = image.manifest.layers;
  options.onProgress?.({
    kind: "resolved",
    layers: descriptors.map((d, index) => ({ index, size: d.size })),
  });

  const layers = await mapWithConcurrency(
    descriptors,
    options.concurrency ?? 3,
    async (descriptor, index) => {
      const diffID = image.config.rootfs.diff_ids[index] as string;
      const ref: LayerRef = { index, diffID, digest: descriptor.digest };
      const cacheKey = layerCacheKey(diffID, analyzersKey);
      const cached = await options.layerCache?.get(cacheKey);
      if (cached) {
        options.onProgress?.({ kind: "layer-done", index, cached: true });
        return { ref, result: cached, cached: true };
      }
      logger.debug("scanning layer", { index, digest: descriptor.digest, size: descriptor.size });
      const result: LayerResult = await scanLayer({
        open: () => source.openBlob(descriptor),
        digest: descriptor.digest,
        diffID,
        analyzers,
        limits,
        onBytes: (bytes) => options.onProgress?.({ kind: "layer-bytes", index, bytes }),
      });
      if (result.complete) await options.layerCache?.put(cacheKey, result);
      options.onProgress?.({ kind: "layer-done", index, cached: false });
      return { ref, result, cached: false };
    },
  );

  const applied = applyLayers(layers.map(({ ref, result }): LayerInput => ({ ref, result })));
  const os = identifyOperatingSystem(applied.osCandidates, applied.packages, started);
  const reportLayers = layers.map(({ ref, result, cached }): ReportLayer => {
    const descriptor = descriptors[ref.index];
    return {
      index: ref.index,
      digest: ref.digest,
      diffID: ref.diffID,
      mediaType: descriptor?.mediaType ?? "",
      size: descriptor?.size ?? 0,
      cached,
      compression: result.stats.compression,
      uncompressedBytes: result.stats.uncompressedBytes,
      entries: result.stats.entries,
    };
  });
  const warnings = layers.flatMap(({ result }) => result.warnings);
  for (const [path, { record }] of applied.paths) {
    if (record.type !== "file") continue;
    for (const { analyzer, result } of record.results) {
      for (const message of result.warnings ?? [])
        warnings.push({ code: `${analyzer}-warning`, message, path });
    }
  }

  const packages = withPurls(assignOwners(applied.packages, applied.installedFiles), os);
  const checks = runChecks(
    {
      layers: layers.map(({ ref, result }) => ({ ref, result })),
      config: image.config,
      reference: options.name ?? source.name,
      packages,
    },
    { secrets: options.secrets ?? false, imageConfig: options.imageConfig ?? false },
  );
  const report: ScanReport = {
    schemaVersion: SCAN_REPORT_SCHEMA_VERSION,
    tool: { name: "portcullis", version: PORTCULLIS_VERSION },
    createdAt: started.toISOString(),
    durationMs: now().getTime() - started.getTime(),
    artifact: {
      name: options.name ?? source.name,
      source: source.kind,
      digest: image.manifestDigest,
      ...(image.indexDigest ? { indexDigest: image.indexDigest } : {}),
      mediaType: image.manifest.mediaType,
      platform: image.platform,
      configDigest: image.configDigest,
      ...(image.config.created ? { created: image.config.created } : {}),
      layers: reportLayers,
    },
    ...(os ? { os } : {}),
    packages,
    ...checks,
    warnings,
  };
  return options.vulnDb ? addVulnerabilities(report, options.vulnDb, started) : report;
}
