import { readFile } from "node:fs/promises";
import { runAsync, runSync } from "../archive/zip-ops.js";
import { BufferRandomAccess, withFileRandomAccess } from "../random-access.js";
import type { Analyzer, AnalyzerResult } from "../types.js";
import { pythonPackageResult } from "./python-package.js";
import { MAX_METADATA_BYTES, readEgg } from "./read-egg.js";

const MiB = 1024 * 1024;
const MIN_ZIP_SIZE = 22;

type PythonFileKind = "metadata" | "egg";

/**
 * Installed distributions: wheel installs (`*.dist-info/METADATA`), setuptools installs
 * (`*.egg-info/PKG-INFO`), distutils and meson installs (`*.egg-info` as a single file), unzipped
 * eggs (`*.egg/EGG-INFO/PKG-INFO`) and zipped eggs (`*.egg`).
 */
export function pythonFileKind(path: string): PythonFileKind | undefined {
  if (
    path.endsWith(".dist-info/METADATA") ||
    path.endsWith(".egg-info/PKG-INFO") ||
    path.endsWith(".egg-info") ||
    path.endsWith(".egg/EGG-INFO/PKG-INFO")
  ) {
    return "metadata";
  }
  return path.endsWith(".egg") ? "egg" : undefined;
}

/**
 * Python distributions, ecosystem "pypi", name as written (see normalizePypiName for matching).
 * Metadata files over 8 MiB are not read: real ones, long descriptions included, are far smaller.
 */
export const pythonAnalyzer: Analyzer = {
  name: "python",
  version: 1,
  maxFileSize: 256 * MiB,
  spillAbove: 16 * MiB,
  required(path: string, size: number): boolean {
    const kind = pythonFileKind(path);
    // An empty "x.egg-info" is a directory (tar gives directories size 0): its PKG-INFO is wanted.
    if (kind === "metadata") return size <= MAX_METADATA_BYTES && (size > 0 || !path.endsWith(".egg-info"));
    return kind === "egg" && size >= MIN_ZIP_SIZE;
  },
  analyze({ path, bytes }): AnalyzerResult {
    if (pythonFileKind(path) === "egg") return runSync(readEgg(bytes.length), new BufferRandomAccess(bytes));
    return pythonPackageResult(bytes);
  },
  async analyzeFile({ path, file }): Promise<AnalyzerResult> {
    if (pythonFileKind(path) === "egg") {
      return withFileRandomAccess(file, (source) => runAsync(readEgg(source.size), source));
    }
    return pythonPackageResult(await readFile(file));
  },
};
