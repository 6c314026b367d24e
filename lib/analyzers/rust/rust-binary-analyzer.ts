import { executableAnalyzer } from "../binary/executable-analyzer.js";
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
export const rustBinaryAnalyzer: Analyzer = executableAnalyzer<AuditableScan>({
  name: "rustbinary",
  version: 1,
  describes: "Rust binary",
  parse: readCargoAuditable,
  toResult,
});

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
