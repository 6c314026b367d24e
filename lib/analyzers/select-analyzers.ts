import { createNpmLockfileAnalyzer } from "./npm/npm-lockfile-analyzer.js";
import type { Analyzer } from "./types.js";

export type PackageType = "os" | "library";
export const PACKAGE_TYPES: readonly PackageType[] = ["os", "library"];

/** The OS package managers' analyzers; every other package analyzer finds language packages. */
const OS_ANALYZERS = new Set(["dpkg", "dpkg-files", "apk", "rpm"]);
/** Identifying the OS is not a package type: it is always done. */
const ALWAYS = new Set(["os-release"]);

export interface AnalyzerSelection {
  /** Which kinds of packages to look for (Trivy's --pkg-types); default both. */
  pkgTypes?: readonly PackageType[];
  /**
   * Lockfiles describe what an app meant to install, not what the image holds, so they are read
   * only on request (Trivy's --include-dev-deps / lockfile behaviour for images).
   */
  includeLockfiles?: boolean;
}

export function selectAnalyzers(all: readonly Analyzer[], selection: AnalyzerSelection = {}): Analyzer[] {
  const types = new Set(selection.pkgTypes ?? PACKAGE_TYPES);
  const chosen = all.filter(
    (a) => ALWAYS.has(a.name) || types.has(OS_ANALYZERS.has(a.name) ? "os" : "library"),
  );
  if (selection.includeLockfiles && types.has("library")) chosen.push(createNpmLockfileAnalyzer());
  return chosen;
}
