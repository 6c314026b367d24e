import { executableAnalyzer } from "../binary/executable-analyzer.js";
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
export const goBinaryAnalyzer: Analyzer = executableAnalyzer<GoBuildInfoScan>({
  name: "gobinary",
  version: 1,
  describes: "Go binary",
  parse: readGoBuildInfo,
  toResult,
});

function toResult(scan: GoBuildInfoScan): AnalyzerResult {
  const result: AnalyzerResult = {};
  if (scan.info) result.packages = goPackages(scan.info);
  if (scan.warnings.length > 0) result.warnings = scan.warnings;
  return result;
}
