import * as tarStream from "tar-stream";
import type { Analyzer, AnalyzerResult } from "../analyzers/types.js";
import { LimitExceededError } from "../errors.js";
import type { ScanWarning } from "../warnings.js";
import type { PathRecord } from "./layer-result.js";
import type { LayerLimits } from "./limits.js";
import { classifyWhiteout, normalizeTarPath } from "./tar-path.js";

/** Per-layer warnings beyond this are summarised, so a hostile layer cannot flood the report. */
const MAX_WARNINGS_PER_LAYER = 50;

type EntryStream = tarStream.ExtractEvents["entry"][1];
type Next = tarStream.ExtractEvents["entry"][2];

export interface TarWalkOptions {
  diffID: string;
  analyzers: readonly Analyzer[];
  limits: LayerLimits;
}

export interface TarWalkOutput {
  paths: PathRecord[];
  whiteouts: string[];
  opaqueDirs: string[];
  warnings: ScanWarning[];
  entries: number;
  bufferedFiles: number;
}

/**
 * Consumes an uncompressed tar stream once. Files that some analyzer requires are buffered (under
 * caps) and analysed; everything else is drained without copying.
 */
export class TarWalker {
  readonly extract = tarStream.extract();
  private readonly paths = new Map<string, PathRecord>();
  private readonly whiteouts = new Set<string>();
  private readonly opaqueDirs = new Set<string>();
  private readonly warnings: ScanWarning[] = [];
  private suppressedWarnings = 0;
  /** Bytes of required files seen in this layer, kept so hard links to them can be analysed. */
  private readonly buffered = new Map<string, Buffer>();
  private bufferedBytes = 0;
  private entries = 0;
  private bufferedFiles = 0;

  constructor(private readonly options: TarWalkOptions) {
    // pipeline() reports errors; streamx re-emits them after pipeline has let go, which would
    // otherwise surface as an uncaught exception.
    this.extract.on("error", () => {});
    this.extract.on("entry", (header, stream, next) => {
      // When the walk fails, streamx destroys the current entry with the same error.
      stream.on("error", () => {});
      try {
        this.onEntry(header, stream, next);
      } catch (err) {
        stream.resume();
        this.extract.destroy(err as Error);
      }
    });
  }

  output(): TarWalkOutput {
    const warnings = [...this.warnings];
    if (this.suppressedWarnings > 0) {
      warnings.push({
        code: "warnings-truncated",
        message: `${this.suppressedWarnings} more warnings in this layer were not recorded`,
        layer: this.options.diffID,
      });
    }
    return {
      paths: [...this.paths.values()],
      whiteouts: [...this.whiteouts],
      opaqueDirs: [...this.opaqueDirs],
      warnings,
      entries: this.entries,
      bufferedFiles: this.bufferedFiles,
    };
  }

  private onEntry(header: tarStream.Header, stream: EntryStream, next: Next): void {
    this.entries += 1;
    if (this.entries > this.options.limits.maxEntries) {
      throw new LimitExceededError(`layer has more than ${this.options.limits.maxEntries} entries`);
    }
    const wanted = this.inspect(header);
    if (wanted) this.bufferAndAnalyze(wanted.path, wanted.size, wanted.analyzers, stream, next);
    else drain(stream, next);
  }

  /** Records what the header alone tells; returns what to buffer when a regular file is required. */
  private inspect(
    header: tarStream.Header,
  ): { path: string; size: number; analyzers: Analyzer[] } | undefined {
    const { limits } = this.options;
    if (header.name.length > limits.maxPathLength) {
      this.warn("path-too-long", `entry name of ${header.name.length} characters skipped`);
      return undefined;
    }
    const path = normalizeTarPath(header.name);
    if (path === undefined) {
      this.warn("path-traversal", `entry escaping the image root ignored: ${JSON.stringify(header.name)}`);
      return undefined;
    }
    if (path === "") return undefined;

    const whiteout = classifyWhiteout(path);
    if (whiteout) {
      if (whiteout.kind === "opaque") this.opaqueDirs.add(whiteout.dir);
      else this.whiteouts.add(whiteout.path);
      return undefined;
    }

    const size = header.size ?? 0;
    const analyzers = this.options.analyzers.filter((a) => a.required(path, size));
    if (analyzers.length === 0) return undefined;

    switch (header.type) {
      case "file":
      case "contiguous-file":
        return { path, size, analyzers };
      case "symlink":
        this.setRecord({ path, type: "symlink", target: header.linkname ?? "" });
        return undefined;
      case "link":
        this.analyzeHardLink(path, header.linkname ?? "", analyzers);
        return undefined;
      default:
        // A directory or device where a database file used to be hides the lower layers' file.
        this.setRecord({ path, type: "opaque-file" });
        return undefined;
    }
  }

  private bufferAndAnalyze(
    path: string,
    size: number,
    wanting: Analyzer[],
    stream: EntryStream,
    next: Next,
  ): void {
    const { limits } = this.options;
    const cap = Math.min(limits.maxBufferedFileSize, Math.max(...wanting.map((a) => a.maxFileSize)));
    if (size > cap) {
      this.warn("file-too-large", `${size} bytes exceeds the ${cap} byte cap; not analysed`, path);
      this.setRecord({ path, type: "opaque-file" });
      drain(stream, next);
      return;
    }
    if (this.bufferedBytes + size > limits.maxBufferedBytesPerLayer) {
      this.warn("layer-buffer-cap", `buffered-bytes cap of this layer reached; not analysed`, path);
      this.setRecord({ path, type: "opaque-file" });
      drain(stream, next);
      return;
    }
    const chunks: Buffer[] = [];
    stream.on("data", (chunk) => chunks.push(chunk as Buffer));
    stream.on("end", () => {
      const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      this.buffered.set(path, bytes);
      this.bufferedBytes += bytes.length;
      this.bufferedFiles += 1;
      this.analyze(path, bytes, wanting);
      next();
    });
  }

  private analyzeHardLink(path: string, linkname: string, wanting: Analyzer[]): void {
    const target = normalizeTarPath(linkname);
    const bytes = target === undefined ? undefined : this.buffered.get(target);
    if (bytes) {
      this.analyze(path, bytes, wanting);
      return;
    }
    this.warn("hardlink-unresolved", `hard link to ${JSON.stringify(linkname)} could not be analysed`, path);
    this.setRecord({ path, type: "opaque-file" });
  }

  private analyze(path: string, bytes: Buffer, wanting: Analyzer[]): void {
    const results: Array<{ analyzer: string; result: AnalyzerResult }> = [];
    for (const analyzer of wanting) {
      if (bytes.length > analyzer.maxFileSize) continue;
      try {
        results.push({ analyzer: analyzer.name, result: analyzer.analyze({ path, bytes }) });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        this.warn("analyzer-failed", `${analyzer.name}: ${message}`, path);
      }
    }
    this.setRecord({ path, type: "file", results });
  }

  /** Re-inserting keeps the Map in tar order of each path's last occurrence. */
  private setRecord(record: PathRecord): void {
    this.paths.delete(record.path);
    this.paths.set(record.path, record);
  }

  private warn(code: string, message: string, path?: string): void {
    if (this.warnings.length >= MAX_WARNINGS_PER_LAYER) {
      this.suppressedWarnings += 1;
      return;
    }
    this.warnings.push({ code, message, layer: this.options.diffID, ...(path ? { path } : {}) });
  }
}

function drain(stream: EntryStream, next: Next): void {
  stream.on("end", () => next());
  stream.resume();
}
