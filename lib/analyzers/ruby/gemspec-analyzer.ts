import type { Analyzer, AnalyzerResult } from "../types.js";
import { parseGemspec } from "./parse-gemspec.js";

/**
 * Installed gems: `<GEM_HOME>/specifications/<name>-<version>.gemspec`, wherever GEM_HOME is
 * (usr/local/bundle, var/lib/gems/3.1.0, vendor/bundle/ruby/3.2.0, rubygems-integration), and
 * Ruby's default gems under `specifications/default/`. Gemspecs elsewhere are gem sources, not
 * installations.
 */
export const gemAnalyzer: Analyzer = {
  name: "gemspec",
  version: 1,
  // Generated specs are a few KB; ones listing every file of a big gem reach a few hundred.
  maxFileSize: 4 * 1024 * 1024,
  required(path: string): boolean {
    if (!path.endsWith(".gemspec")) return false;
    const dir = path.slice(0, Math.max(0, path.lastIndexOf("/")));
    return (
      isSpecifications(dir) ||
      (dir.endsWith("/default") && isSpecifications(dir.slice(0, -"/default".length)))
    );
  },
  analyze({ path, bytes }): AnalyzerResult {
    const { packages, warnings } = parseGemspec(bytes, path.slice(path.lastIndexOf("/") + 1));
    return warnings.length > 0 ? { packages, warnings } : { packages };
  },
};

function isSpecifications(dir: string): boolean {
  return dir === "specifications" || dir.endsWith("/specifications");
}
