import type { Analyzer, AnalyzerResult, PackageFinding } from "../types.js";
import { parseCargoLock } from "./parse-cargo-lock.js";
import { CARGO_ECOSYSTEM } from "./rust-binary-analyzer.js";

/**
 * Downloaded or packaged crate sources (CARGO_HOME is ~/.cargo, or /usr/local/cargo in the official
 * rust images; Debian keeps crates in /usr/share/cargo/registry) and toolchain sources: their lock
 * files describe how each crate was developed, not what the image runs.
 */
const IGNORED = ["cargo/registry/", "cargo/git/", ".rustup/", "lib/rustlib/", "usr/share/doc/"];

/**
 * Cargo.lock files shipped in the image (a Rust application's source or build stage). Crates
 * without a `source` are the workspace's own and left out, as the Rust binary analyzer does.
 */
export const cargoLockAnalyzer: Analyzer = {
  name: "cargo-lock",
  version: 1,
  maxFileSize: 16 * 1024 * 1024,
  required(path: string): boolean {
    if (path !== "Cargo.lock" && !path.endsWith("/Cargo.lock")) return false;
    return !IGNORED.some((dir) => path.includes(dir));
  },
  analyze({ bytes }): AnalyzerResult {
    const { packages, warnings } = parseCargoLock(bytes.toString("utf8"));
    const found = packages
      .filter((p) => p.source !== undefined)
      .map((p): PackageFinding => ({ ecosystem: CARGO_ECOSYSTEM, name: p.name, version: p.version }));
    return warnings.length > 0 ? { packages: found, warnings } : { packages: found };
  },
};
