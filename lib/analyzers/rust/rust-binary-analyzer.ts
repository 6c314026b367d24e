import { runOnBytes, runOnRandomAccess } from "../binary/byte-parser.js";
import { isExecutableCandidate } from "../binary/executable-candidate.js";
import { withFileRandomAccess } from "../random-access.js";
import type { Analyzer, AnalyzerResult, PackageFinding } from "../types.js";
import { type AuditableScan, readCargoAuditable } from "./cargo-auditable.js";

export const CARGO_ECOSYSTEM = "cargo";

/**
 * Rust binaries built with cargo-auditable: the crates compiled in, from the `.dep-v0` section.
 * Reported: runtime crates from crates.io, other registries and git. Left out: build-only crates
 * (build scripts, proc macros: not in the binary) and "local" crates, i.e. the workspace's own
 * code; so the root crate is reported only when it comes from a registry or git, as with
 * `cargo auditable install ripgrep`, where advisories against ripgrep itself apply.
 */
export const rustBinaryAnalyzer: Analyzer = {
  name: "rustbinary",
  version: 1,
  maxFileSize: 512 * 1024 * 1024,
  spillAbove: 8 * 1024 * 1024,
  required: isExecutableCandidate,
  analyze({ bytes }): AnalyzerResult {
    try {
      return toResult(runOnBytes(readCargoAuditable(bytes.length), bytes));
    } catch (err) {
      return failed(err);
    }
  },
  async analyzeFile({ file, size }): Promise<AnalyzerResult> {
    try {
      return toResult(
        await withFileRandomAccess(file, (ra) => runOnRandomAccess(readCargoAuditable(size), ra)),
      );
    } catch (err) {
      return failed(err);
    }
  },
};

function toResult(scan: AuditableScan): AnalyzerResult {
  const result: AnalyzerResult = {};
  if (scan.packages) {
    result.packages = scan.packages
      .filter((p) => p.kind === "runtime" && p.source !== "local")
      .map((p): PackageFinding => ({ ecosystem: CARGO_ECOSYSTEM, name: p.name, version: p.version }));
  }
  if (scan.warnings.length > 0) result.warnings = scan.warnings;
  return result;
}

function failed(err: unknown): AnalyzerResult {
  return { warnings: [`Rust binary could not be read: ${err instanceof Error ? err.message : String(err)}`] };
}
