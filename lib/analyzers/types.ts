import type { SecretMatch } from "../checks/types.js";
import type { OperatingSystem, Package } from "../inventory/package.js";

/** What an analyzer found in one file. Packages carry no layer yet; applyLayers assigns it. */
export interface AnalyzerResult {
  os?: OperatingSystem;
  packages?: PackageFinding[];
  /** Problems with this file that did not stop the analyzer (e.g. a malformed stanza). */
  warnings?: string[];
  /**
   * Files an OS package manager says it installed, per package: lets the pipeline mark language
   * packages that came with an OS package (no leading slash).
   */
  installedFiles?: InstalledFiles[];
  /** Credentials found in the file, already masked: the clear value never leaves the analyzer. */
  secrets?: SecretMatch[];
}

export interface InstalledFiles {
  owner: { ecosystem: string; name: string };
  paths: string[];
}

/** A package as an analyzer sees it; the pipeline adds layer provenance. */
export type PackageFinding = Omit<Package, "layer" | "foundIn">;

export interface AnalyzerInput {
  /** Normalised path inside the image, no leading slash (e.g. "var/lib/dpkg/status"). */
  path: string;
  /** The whole file; never larger than the analyzer's `maxFileSize`. */
  bytes: Buffer;
  /** Unix permission bits from the tar header (0o755 ...), when known. */
  mode?: number;
}

/** A file too big to hold in memory, spilled to a temporary file for random access. */
export interface SpilledInput {
  path: string;
  /** Absolute path of the temporary copy; deleted as soon as the analyzer returns. */
  file: string;
  size: number;
  mode?: number;
}

/**
 * One ecosystem's parser. `required` sees only the tar header, so it must be cheap and pure;
 * `analyze` is a pure function of the file's path and bytes.
 */
export interface Analyzer {
  readonly name: string;
  /** Bump when output changes: it is part of the layer cache key. */
  readonly version: number;
  /** Files larger than this are not read at all; the walk records a warning instead. */
  readonly maxFileSize: number;
  /**
   * Files larger than this are not buffered but spilled to a temporary file and handed to
   * `analyzeFile` (binaries, archives): memory stays bounded whatever the image holds.
   */
  readonly spillAbove?: number;
  /**
   * Looks at the file's first bytes (up to 8 KiB, or the whole file when smaller) before the walk
   * buffers it: false means this analyzer does not want the file after all (e.g. it is binary),
   * and when no analyzer wants it the rest is drained without being copied.
   */
  acceptsContent?(head: Buffer): boolean;
  /**
   * True when an empty result carries no information: the walk then keeps no path record for the
   * file. Analyzers whose empty result must hide a lower layer's file (package databases) leave it unset.
   */
  readonly sparse?: boolean;
  required(path: string, size: number, mode?: number): boolean;
  analyze(input: AnalyzerInput): AnalyzerResult;
  analyzeFile?(input: SpilledInput): Promise<AnalyzerResult>;
}
