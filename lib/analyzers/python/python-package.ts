import type { AnalyzerResult, PackageFinding } from "../types.js";
import { parsePythonMetadata } from "./parse-python-metadata.js";

export const PYPI_ECOSYSTEM = "pypi";

/** One distribution from its core metadata, or only warnings when it names no name and version. */
export function pythonPackageResult(bytes: Buffer): AnalyzerResult {
  const meta = parsePythonMetadata(bytes);
  const packages: PackageFinding[] =
    meta.name && meta.version
      ? [
          {
            ecosystem: PYPI_ECOSYSTEM,
            name: meta.name,
            version: meta.version,
            ...(meta.licenses.length > 0 ? { licenses: meta.licenses } : {}),
          },
        ]
      : [];
  return meta.warnings.length > 0 ? { packages, warnings: meta.warnings } : { packages };
}
