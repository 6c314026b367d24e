import { withFileRandomAccess } from "../random-access.js";
import type { Analyzer, AnalyzerResult } from "../types.js";
import { type ByteParser, runOnBytes, runOnRandomAccess } from "./byte-parser.js";
import { isExecutableCandidate } from "./executable-candidate.js";

export interface ExecutableAnalyzerSpec<T> {
  name: string;
  version: number;
  /** What the analyzer calls the files it reads, for the one-line warning when reading fails. */
  describes: string;
  /** The parser, given the file size; the same one runs on bytes and on a spilled file. */
  parse(size: number): ByteParser<T>;
  toResult(scan: T): AnalyzerResult;
}

/**
 * An analyzer of executables: small ones come as bytes, ones above 8 MiB are spilled and read
 * piecewise, never whole. A bug in a reader costs a warning for this one file, not the layer.
 */
export function executableAnalyzer<T>(spec: ExecutableAnalyzerSpec<T>): Analyzer {
  const failed = (err: unknown): AnalyzerResult => ({
    warnings: [`${spec.describes} could not be read: ${err instanceof Error ? err.message : String(err)}`],
  });
  return {
    name: spec.name,
    version: spec.version,
    maxFileSize: 512 * 1024 * 1024,
    spillAbove: 8 * 1024 * 1024,
    required: isExecutableCandidate,
    analyze({ bytes }): AnalyzerResult {
      try {
        return spec.toResult(runOnBytes(spec.parse(bytes.length), bytes));
      } catch (err) {
        return failed(err);
      }
    },
    async analyzeFile({ file, size }): Promise<AnalyzerResult> {
      try {
        return spec.toResult(
          await withFileRandomAccess(file, (ra) => runOnRandomAccess(spec.parse(size), ra)),
        );
      } catch (err) {
        return failed(err);
      }
    },
  };
}
