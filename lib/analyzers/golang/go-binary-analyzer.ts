import { runOnBytes, runOnRandomAccess } from "../binary/byte-parser.js";
import { isExecutableCandidate } from "../binary/executable-candidate.js";
import { withFileRandomAccess } from "../random-access.js";
import type { Analyzer, AnalyzerResult } from "../types.js";
import { goPackages } from "./go-packages.js";
import { type GoBuildInfoScan, readGoBuildInfo } from "./read-go-build-info.js";

/**
 * Go binaries (ELF, PE, Mach-O): the toolchain version and every module compiled in, from the
 * build info Go embeds. Binaries up to 8 MiB come as bytes; bigger ones are spilled and read
 * piecewise (headers, the section table, a few KiB of data), never whole. Non-executables cost
 * one look at the magic; executables without Go build info return nothing. Structural damage
 * of any executable (truncation, tables beyond the end) is reported here, once.
 */
export const goBinaryAnalyzer: Analyzer = {
  name: "gobinary",
  version: 1,
  maxFileSize: 512 * 1024 * 1024,
  spillAbove: 8 * 1024 * 1024,
  required: isExecutableCandidate,
  analyze({ bytes }): AnalyzerResult {
    try {
      return toResult(runOnBytes(readGoBuildInfo(bytes.length), bytes));
    } catch (err) {
      return failed(err);
    }
  },
  async analyzeFile({ file, size }): Promise<AnalyzerResult> {
    try {
      return toResult(await withFileRandomAccess(file, (ra) => runOnRandomAccess(readGoBuildInfo(size), ra)));
    } catch (err) {
      return failed(err);
    }
  },
};

function toResult(scan: GoBuildInfoScan): AnalyzerResult {
  const result: AnalyzerResult = {};
  if (scan.info) result.packages = goPackages(scan.info);
  if (scan.warnings.length > 0) result.warnings = scan.warnings;
  return result;
}

/** The readers check every bound; this keeps a bug from costing more than this one file. */
function failed(err: unknown): AnalyzerResult {
  return { warnings: [`Go binary could not be read: ${err instanceof Error ? err.message : String(err)}`] };
}
