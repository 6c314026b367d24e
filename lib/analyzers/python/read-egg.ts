import { DEFAULT_ZIP_LIMITS, ZipBudget, type ZipLimits } from "../archive/zip-limits.js";
import type { ZipOp } from "../archive/zip-ops.js";
import { readZipDirectory, readZipEntry } from "../archive/zip-reader.js";
import type { AnalyzerResult } from "../types.js";
import { pythonPackageResult } from "./python-package.js";

export const MAX_METADATA_BYTES = 8 * 1024 * 1024;
const EGG_PKG_INFO = "EGG-INFO/PKG-INFO";

/** A zipped egg's EGG-INFO/PKG-INFO, as a ZIP operation (see zip-ops). Problems become warnings. */
export function* readEgg(size: number, limits: ZipLimits = DEFAULT_ZIP_LIMITS): ZipOp<AnalyzerResult> {
  const budget = new ZipBudget(limits);
  try {
    const dir = yield* readZipDirectory(size, budget);
    const entry = dir.entries.find((e) => e.name === EGG_PKG_INFO);
    if (!entry) return { packages: [], warnings: [`no ${EGG_PKG_INFO} in the egg`] };
    return pythonPackageResult(yield* readZipEntry(dir, entry, budget, MAX_METADATA_BYTES));
  } catch (err) {
    return { packages: [], warnings: [err instanceof Error ? err.message : String(err)] };
  }
}
