import { readFile } from "node:fs/promises";
import type { Analyzer, AnalyzerResult, PackageFinding } from "../types.js";
import { nodeVersionInBuffer, nodeVersionInFile } from "./node-binary-version.js";
import { isNodeBinaryPath, isNodeHeaderPath } from "./node-runtime-paths.js";
import { packageNameFromPath } from "./package-root-path.js";
import { parseNodeVersionHeader } from "./parse-node-version-header.js";
import { parsePackageJson } from "./parse-package-json.js";

const MiB = 1024 * 1024;
/** Real manifests are a few KB; the biggest published ones stay well under a MB. */
const MAX_MANIFEST = 16 * MiB;

/**
 * Installed npm packages, one package root's `node_modules/…/package.json` at a time, and the
 * Node.js runtime itself (ecosystem "node"): from `node_version.h` where the image has it, and
 * from the node binary's embedded version string. The binary is spilled rather than buffered.
 */
export const npmAnalyzer: Analyzer = {
  name: "npm",
  version: 1,
  // node binaries are 40–120 MB; everything else this analyzer reads is tiny.
  maxFileSize: 256 * MiB,
  spillAbove: 4 * MiB,
  required(path: string, size: number, mode?: number): boolean {
    if (path.endsWith("/package.json")) return packageNameFromPath(path) !== undefined;
    if (path.endsWith(".h")) return isNodeHeaderPath(path);
    return size > 0 && isExecutable(mode) && isNodeBinaryPath(path);
  },
  analyze({ path, bytes }): AnalyzerResult {
    return analyzeBytes(path, bytes);
  },
  async analyzeFile({ path, file, size }): Promise<AnalyzerResult> {
    if (isNodeBinaryPath(path)) {
      return runtimeResult(await nodeVersionInFile(file), "no Node.js version string in the binary");
    }
    if (size > MAX_MANIFEST)
      return { packages: [], warnings: [`${size} bytes is too large for a manifest; skipped`] };
    return analyzeBytes(path, await readFile(file));
  },
};

function analyzeBytes(path: string, bytes: Buffer): AnalyzerResult {
  const expected = packageNameFromPath(path);
  if (expected !== undefined) {
    const { packages, warnings } = parsePackageJson(bytes, expected);
    return warnings.length > 0 ? { packages, warnings } : { packages };
  }
  if (isNodeHeaderPath(path))
    return runtimeResult(parseNodeVersionHeader(bytes), "no NODE_*_VERSION defines");
  return runtimeResult(nodeVersionInBuffer(bytes), "no Node.js version string in the binary");
}

function runtimeResult(version: string | undefined, missing: string): AnalyzerResult {
  if (version === undefined) return { packages: [], warnings: [`${missing}; Node.js version unknown`] };
  const node: PackageFinding = { ecosystem: "node", name: "node", version };
  return { packages: [node] };
}

function isExecutable(mode: number | undefined): boolean {
  return mode === undefined || (mode & 0o111) !== 0;
}
