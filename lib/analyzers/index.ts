import { apkAnalyzer } from "./apk/apk-analyzer.js";
import { dpkgAnalyzer } from "./dpkg/dpkg-analyzer.js";
import { osReleaseAnalyzer } from "./os-release/os-release-analyzer.js";
import { rpmAnalyzer } from "./rpm/rpm-analyzer.js";
import type { Analyzer } from "./types.js";

export type { OsCandidate } from "./os-release/pick-operating-system.js";
export { pickOperatingSystem } from "./os-release/pick-operating-system.js";
export type { Analyzer, AnalyzerInput, AnalyzerResult, PackageFinding } from "./types.js";

/** Every analyzer, listed once; the layer walk offers each tar entry to each of these. */
export const ANALYZERS: readonly Analyzer[] = [osReleaseAnalyzer, dpkgAnalyzer, apkAnalyzer, rpmAnalyzer];

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
