import type { AnalyzerResult } from "../analyzers/types.js";
import type { LayerFileFacts } from "../checks/types.js";
import type { ScanWarning } from "../warnings.js";
import type { Compression } from "./compression.js";

/** Bump when the shape or meaning of LayerResult changes: it is part of the layer cache key. */
export const LAYER_RESULT_SCHEMA = 2;

/** What one layer contributes at one path that some analyzer cares about. */
export type PathRecord =
  | { path: string; type: "file"; results: Array<{ analyzer: string; result: AnalyzerResult }> }
  | { path: string; type: "symlink"; target: string }
  /** A required path this layer replaced with something we could not analyse (too big, a dir...). */
  | { path: string; type: "opaque-file" };

/** Everything the single walk of one layer produced; JSON-serialisable so it can be cached. */
export interface LayerResult {
  schema: typeof LAYER_RESULT_SCHEMA;
  diffID: string;
  /** Later records for the same path replace earlier ones, as in the tar itself. */
  paths: PathRecord[];
  /** Paths this layer deletes from the layers below it. */
  whiteouts: string[];
  /** Directories whose lower-layer contents this layer hides. */
  opaqueDirs: string[];
  warnings: ScanWarning[];
  /** Setuid files, world-writable directories, package caches: from the tar headers. */
  fileFacts: LayerFileFacts;
  /** Every path this layer writes (PathIndex, base64): tells whether a later layer replaced a file. */
  pathIndex: string;
  /** False when a limit stopped the walk early: the results are partial and the digests unverified. */
  complete: boolean;
  stats: LayerStats;
}

export interface LayerStats {
  compression: Compression;
  compressedBytes: number;
  uncompressedBytes: number;
  entries: number;
  bufferedFiles: number;
}
