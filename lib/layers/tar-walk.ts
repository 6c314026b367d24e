import { createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import * as tarStream from "tar-stream";
import type { Analyzer, AnalyzerResult } from "../analyzers/types.js";
import type { LayerFileFacts } from "../checks/types.js";
import { LimitExceededError } from "../errors.js";
import type { ScanWarning } from "../warnings.js";
import { DeferredAnalysis } from "./deferred-analysis.js";
import { FileFactsCollector } from "./file-facts.js";
import type { PathRecord } from "./layer-result.js";
import type { LayerLimits } from "./limits.js";
import { PathIndexBuilder } from "./path-index.js";
import { classifyWhiteout, normalizeTarPath } from "./tar-path.js";

/** Per-layer warnings beyond this are summarised, so a hostile layer cannot flood the report. */
const MAX_WARNINGS_PER_LAYER = 50;

/** How much of a file `acceptsContent` sees before the walk decides to buffer the rest. */
const CONTENT_SNIFF_BYTES = 8192;

/** Bytes of files queued for sparse analysis while the walk goes on (per layer). */
const MAX_DEFERRED_BYTES = 16 * 1024 * 1024;

interface WantedFile {
  path: string;
  size: number;
  mode: number | undefined;
  analyzers: Analyzer[];
}

type EntryStream = tarStream.ExtractEvents["entry"][1];
type Next = tarStream.ExtractEvents["entry"][2];

export interface TarWalkOptions {
  diffID: string;
  analyzers: readonly Analyzer[];
  limits: LayerLimits;
  /** Where big required files are spilled; created lazily and removed by `cleanup()`. */
  tmpDir?: string;
}

export interface TarWalkOutput {
  paths: PathRecord[];
  whiteouts: string[];
  opaqueDirs: string[];
  warnings: ScanWarning[];
  entries: number;
  bufferedFiles: number;
  fileFacts: LayerFileFacts;
  /** Every path the layer writes, as a PathIndex. */
  pathIndex: string;
}

/**
 * Consumes an uncompressed tar stream once. Files that some analyzer requires are buffered (under
 * caps) and analysed; everything else is drained without copying.
 */
export class TarWalker {
  readonly extract = tarStream.extract();
  private readonly paths = new Map<string, PathRecord>();
  /** The tar entry number each path's record came from: a deferred result must not replace a later one. */
  private readonly recordEntry = new Map<string, number>();
  private readonly deferred = new DeferredAnalysis(MAX_DEFERRED_BYTES);
  private readonly whiteouts = new Set<string>();
  private readonly opaqueDirs = new Set<string>();
  private readonly warnings: ScanWarning[] = [];
  private suppressedWarnings = 0;
  private entries = 0;
  private bufferedFiles = 0;
  private readonly facts = new FileFactsCollector();
  private readonly pathIndex = new PathIndexBuilder();

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
      fileFacts: this.facts.output(),
      pathIndex: this.pathIndex.toString(),
    };
  }

  private onEntry(header: tarStream.Header, stream: EntryStream, next: Next): void {
    this.entries += 1;
    if (this.entries > this.options.limits.maxEntries) {
      throw new LimitExceededError(`layer has more than ${this.options.limits.maxEntries} entries`);
    }
    const wanted = this.inspect(header);
    if (!wanted) drain(stream, next);
    else if (wanted.analyzers.some((a) => a.spillAbove !== undefined && wanted.size > a.spillAbove)) {
      this.spillAndAnalyze(wanted.path, wanted.size, wanted.mode, wanted.analyzers, stream, next);
    } else this.bufferAndAnalyze(wanted.path, wanted.size, wanted.mode, wanted.analyzers, stream, next);
  }

  /** Records what the header alone tells; returns what to buffer when a regular file is required. */
  private inspect(header: tarStream.Header): WantedFile | undefined {
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
    const mode = header.mode;
    this.pathIndex.add(path);
    this.facts.add({ path, type: header.type ?? "file", mode, size });
    // A sparse analyzer loses nothing by skipping a file over its cap, so that is not worth a warning.
    const analyzers = this.options.analyzers.filter(
      (a) => a.required(path, size, mode) && !(a.sparse && size > a.maxFileSize),
    );
    if (analyzers.length === 0) return undefined;

    switch (header.type) {
      case "file":
      case "contiguous-file":
        return { path, size, mode, analyzers };
      case "symlink":
        this.setRecord({ path, type: "symlink", target: header.linkname ?? "" });
        return undefined;
      case "link":
        this.linkToAnalysed(path, header.linkname ?? "");
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
    mode: number | undefined,
    wanting: Analyzer[],
    stream: EntryStream,
    next: Next,
  ): void {
    const cap = Math.min(
      this.options.limits.maxBufferedFileSize,
      Math.max(...wanting.map((a) => a.maxFileSize)),
    );
    if (this.skippedAsTooLarge(path, size, cap, stream, next)) return;
    let chunks: Buffer[] = [];
    let collected = 0;
    let analyzers = wanting;
    let sniffing = wanting.some((a) => a.acceptsContent);
    stream.on("data", (data) => {
      const chunk = data as Buffer;
      if (analyzers.length === 0) return;
      chunks.push(chunk);
      collected += chunk.length;
      if (sniffing && collected >= Math.min(CONTENT_SNIFF_BYTES, size)) {
        sniffing = false;
        const head = chunks.length === 1 ? chunk : Buffer.concat(chunks);
        analyzers = analyzers.filter((a) => a.acceptsContent?.(head) ?? true);
        // Nobody wants the rest: drain it without copying.
        if (analyzers.length === 0) chunks = [];
      }
    });
    stream.on("end", () => {
      if (analyzers.length === 0) {
        if (!wanting.every((a) => a.sparse)) this.setRecord({ path, type: "opaque-file" });
        next();
        return;
      }
      // Always a copy: a slice would pin the whole decompressed chunk (1 MiB) it came from.
      const bytes = Buffer.concat(chunks);
      this.bufferedFiles += 1;
      const entry = this.entries;
      if (analyzers.every((a) => a.sparse)) {
        this.deferred
          .add(bytes.length, () => this.analyze(path, bytes, mode, analyzers, entry))
          .then(() => next());
      } else this.analyze(path, bytes, mode, analyzers, entry).then(() => next(), next);
    });
  }

  /** A file over the cap hides the lower layers' file at its path but is not read. */
  private skippedAsTooLarge(
    path: string,
    size: number,
    cap: number,
    stream: EntryStream,
    next: Next,
  ): boolean {
    if (size <= cap) return false;
    this.warn("file-too-large", `${size} bytes exceeds the ${cap} byte cap; not analysed`, path);
    this.setRecord({ path, type: "opaque-file" });
    drain(stream, next);
    return true;
  }

  /** Streams a big file to a temporary file, lets the analyzers read it, then deletes it. */
  private spillAndAnalyze(
    path: string,
    size: number,
    mode: number | undefined,
    wanting: Analyzer[],
    stream: EntryStream,
    next: Next,
  ): void {
    if (this.skippedAsTooLarge(path, size, Math.max(...wanting.map((a) => a.maxFileSize)), stream, next))
      return;
    const run = async () => {
      const dir = await this.spillDir();
      const file = join(dir, `spill-${this.entries}`);
      await pipeline(stream as unknown as NodeJS.ReadableStream, createWriteStream(file));
      this.bufferedFiles += 1;
      try {
        const results: Array<{ analyzer: string; result: AnalyzerResult }> = [];
        for (const analyzer of wanting) {
          if (size > analyzer.maxFileSize) continue;
          await this.runAnalyzer(analyzer, path, results, () =>
            analyzer.analyzeFile && analyzer.spillAbove !== undefined && size > analyzer.spillAbove
              ? analyzer.analyzeFile({ path, file, size, mode })
              : readFile(file).then((bytes) => analyzer.analyze({ path, bytes, mode })),
          );
        }
        this.recordResults(path, wanting, results, this.entries);
      } finally {
        await rm(file, { force: true });
      }
    };
    run().then(() => next(), next);
  }

  private spillDirectory: Promise<string> | undefined;

  private spillDir(): Promise<string> {
    this.spillDirectory ??= mkdtemp(join(this.options.tmpDir ?? tmpdir(), "portcullis-layer-"));
    return this.spillDirectory;
  }

  /** Waits for the deferred analyses; call before `output()`. */
  settle(): Promise<void> {
    return this.deferred.settle();
  }

  /** Removes the spill directory, if one was made. */
  async cleanup(): Promise<void> {
    if (this.spillDirectory) await rm(await this.spillDirectory, { recursive: true, force: true });
  }

  /**
   * A hard link has the content of a file earlier in the same layer. Nothing is kept in memory for
   * it: the target's findings, if it was analysed, are this path's findings too.
   */
  private linkToAnalysed(path: string, linkname: string): void {
    const target = normalizeTarPath(linkname);
    const analysed = target === undefined ? undefined : this.paths.get(target);
    if (analysed?.type === "file") {
      this.setRecord({ path, type: "file", results: analysed.results });
      return;
    }
    this.warn("hardlink-unresolved", `hard link to ${JSON.stringify(linkname)} could not be analysed`, path);
    this.setRecord({ path, type: "opaque-file" });
  }

  private async analyze(
    path: string,
    bytes: Buffer,
    mode: number | undefined,
    wanting: Analyzer[],
    entry: number,
  ): Promise<void> {
    const results: Array<{ analyzer: string; result: AnalyzerResult }> = [];
    for (const analyzer of wanting) {
      if (bytes.length > analyzer.maxFileSize) continue;
      await this.runAnalyzer(analyzer, path, results, () => analyzer.analyze({ path, bytes, mode }));
    }
    this.recordResults(path, wanting, results, entry);
  }

  /**
   * Sparse analyzers' empty results are dropped, and a file only they looked at gets no record:
   * most text files hold no secret, and the layer's path index already says they were written.
   */
  private recordResults(
    path: string,
    wanting: Analyzer[],
    results: Array<{ analyzer: string; result: AnalyzerResult }>,
    entry: number,
  ): void {
    const sparse = new Set(wanting.filter((a) => a.sparse).map((a) => a.name));
    const kept = results.filter((r) => !(sparse.has(r.analyzer) && isEmptyResult(r.result)));
    if (kept.length === 0 && sparse.size === wanting.length) return;
    this.setRecord({ path, type: "file", results: kept }, entry);
  }

  /** An analyzer that throws costs a warning, never the layer. */
  private async runAnalyzer(
    analyzer: Analyzer,
    path: string,
    results: Array<{ analyzer: string; result: AnalyzerResult }>,
    run: () => AnalyzerResult | Promise<AnalyzerResult>,
  ): Promise<void> {
    try {
      results.push({ analyzer: analyzer.name, result: await run() });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.warn("analyzer-failed", `${analyzer.name}: ${message}`, path);
    }
  }

  /**
   * Re-inserting keeps the Map in tar order of each path's last occurrence. `entry` is the tar
   * entry the record describes: a deferred analysis finishing late never replaces a later entry's.
   */
  private setRecord(record: PathRecord, entry = this.entries): void {
    if ((this.recordEntry.get(record.path) ?? -1) > entry) return;
    this.recordEntry.set(record.path, entry);
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

function isEmptyResult(result: AnalyzerResult): boolean {
  return Object.values(result).every((v) => v === undefined || (Array.isArray(v) && v.length === 0));
}

function drain(stream: EntryStream, next: Next): void {
  stream.on("end", () => next());
  stream.resume();
}
