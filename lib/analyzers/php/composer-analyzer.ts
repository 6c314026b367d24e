import type { Analyzer, AnalyzerResult } from "../types.js";
import { parseInstalledJson } from "./parse-installed-json.js";

const INSTALLED = "vendor/composer/installed.json";

/** PHP packages Composer installed: `<project>/vendor/composer/installed.json`, at any depth. */
export const composerAnalyzer: Analyzer = {
  name: "composer",
  version: 1,
  // Large Drupal/Magento installs list a few hundred packages: a few MB.
  maxFileSize: 32 * 1024 * 1024,
  required(path: string): boolean {
    return (
      path.endsWith(INSTALLED) &&
      (path.length === INSTALLED.length || path.charCodeAt(path.length - INSTALLED.length - 1) === 47)
    );
  },
  analyze({ bytes }): AnalyzerResult {
    const { packages, warnings } = parseInstalledJson(bytes);
    return warnings.length > 0 ? { packages, warnings } : { packages };
  },
};
