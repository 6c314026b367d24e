import type { Analyzer, AnalyzerResult } from "../types.js";
import { parseDepsJson } from "./parse-deps-json.js";

/**
 * NuGet packages of .NET apps, from the `<app>.deps.json` the SDK publishes next to the app's
 * assemblies; a self-contained app's file also names the runtime it carries.
 */
export const dotnetAnalyzer: Analyzer = {
  name: "dotnet-deps",
  version: 1,
  // Big apps' deps.json (every runtime asset listed) reach a few MB.
  maxFileSize: 32 * 1024 * 1024,
  required(path: string): boolean {
    return path.endsWith(".deps.json");
  },
  analyze({ bytes }): AnalyzerResult {
    const { packages, warnings } = parseDepsJson(bytes);
    return warnings.length > 0 ? { packages, warnings } : { packages };
  },
};
