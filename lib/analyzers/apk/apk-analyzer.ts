import type { Analyzer, AnalyzerResult } from "../types.js";
import { parseApkInstalled } from "./parse-apk-installed.js";

/** apk-tools 2 keeps its database in lib/apk/db; apk-tools 3 and usr-merged images in usr/lib/apk/db. */
const PATHS = ["lib/apk/db/installed", "usr/lib/apk/db/installed"] as const;

export const apkAnalyzer: Analyzer = {
  name: "apk",
  version: 2,
  // The database lists every installed file, so a big image's can reach several MB.
  maxFileSize: 64 * 1024 * 1024,
  required(path: string): boolean {
    return path === PATHS[0] || path === PATHS[1];
  },
  analyze({ bytes }): AnalyzerResult {
    const { packages, warnings, files } = parseApkInstalled(bytes);
    // The pipeline attaches the file path to each warning.
    return { packages, installedFiles: files, ...(warnings.length > 0 ? { warnings } : {}) };
  },
};
