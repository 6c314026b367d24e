import { apkAnalyzer } from "./apk/apk-analyzer.js";
import { dotnetAnalyzer } from "./dotnet/dotnet-deps-analyzer.js";
import { dpkgAnalyzer } from "./dpkg/dpkg-analyzer.js";
import { dpkgFilesAnalyzer } from "./dpkg/dpkg-files-analyzer.js";
import { goBinaryAnalyzer } from "./golang/go-binary-analyzer.js";
import { jarAnalyzer } from "./java/jar-analyzer.js";
import { npmAnalyzer } from "./npm/npm-analyzer.js";
import { osReleaseAnalyzer } from "./os-release/os-release-analyzer.js";
import { composerAnalyzer } from "./php/composer-analyzer.js";
import { pythonAnalyzer } from "./python/python-analyzer.js";
import { rpmAnalyzer } from "./rpm/rpm-analyzer.js";
import { gemAnalyzer } from "./ruby/gemspec-analyzer.js";
import { cargoLockAnalyzer } from "./rust/cargo-lock-analyzer.js";
import { rustBinaryAnalyzer } from "./rust/rust-binary-analyzer.js";
import type { Analyzer } from "./types.js";

export type { OsCandidate } from "./os-release/pick-operating-system.js";
export { pickOperatingSystem } from "./os-release/pick-operating-system.js";
export type { Analyzer, AnalyzerInput, AnalyzerResult, PackageFinding } from "./types.js";

/** Every analyzer, listed once; the layer walk offers each tar entry to each of these. */
export const ANALYZERS: readonly Analyzer[] = [
  // The OS and its package managers.
  osReleaseAnalyzer,
  dpkgAnalyzer,
  dpkgFilesAnalyzer,
  apkAnalyzer,
  rpmAnalyzer,
  // Language packages installed in the image.
  npmAnalyzer,
  pythonAnalyzer,
  jarAnalyzer,
  gemAnalyzer,
  composerAnalyzer,
  dotnetAnalyzer,
  cargoLockAnalyzer,
  // Build information embedded in executables.
  goBinaryAnalyzer,
  rustBinaryAnalyzer,
];

/**
 * "name@version" of each analyzer, sorted and comma-joined: part of the layer cache key, so a
 * bumped analyzer version invalidates cached layer results and list order does not matter.
 */
export function analyzersCacheKey(analyzers: readonly Pick<Analyzer, "name" | "version">[]): string {
  return analyzers
    .map((a) => `${a.name}@${a.version}`)
    .sort()
    .join(",");
}
