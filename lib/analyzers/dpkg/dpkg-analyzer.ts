import type { Analyzer, AnalyzerResult } from "../types.js";
import { parseDpkgStatus } from "./parse-dpkg-status.js";

const STATUS = "var/lib/dpkg/status";
const STATUS_D = "var/lib/dpkg/status.d/";

/**
 * dpkg's `var/lib/dpkg/status`, and distroless images' `var/lib/dpkg/status.d/<pkg>` (one file per
 * package, next to `<pkg>.md5sums` which are file hashes, not stanzas).
 */
export const dpkgAnalyzer: Analyzer = {
  name: "dpkg",
  version: 1,
  // A large Debian image's status is a few MB; this leaves room without buffering anything absurd.
  maxFileSize: 64 * 1024 * 1024,
  required(path: string): boolean {
    if (path === STATUS) return true;
    return (
      path.length > STATUS_D.length &&
      path.startsWith(STATUS_D) &&
      path.indexOf("/", STATUS_D.length) === -1 &&
      !path.endsWith(".md5sums")
    );
  },
  analyze({ bytes }): AnalyzerResult {
    const { packages, warnings } = parseDpkgStatus(bytes);
    // The pipeline attaches the file path to each warning.
    return warnings.length > 0 ? { packages, warnings } : { packages };
  },
};
