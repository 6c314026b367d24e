import type { Analyzer, AnalyzerResult } from "../types.js";
import type { ParseResult } from "./parse-package-json.js";
import { parsePackageLock } from "./parse-package-lock.js";
import { parsePnpmLock } from "./parse-pnpm-lock.js";
import { parseYarnLock } from "./parse-yarn-lock.js";

const PARSERS: ReadonlyMap<string, (bytes: Buffer) => ParseResult> = new Map([
  ["package-lock.json", parsePackageLock],
  ["npm-shrinkwrap.json", parsePackageLock],
  ["yarn.lock", parseYarnLock],
  ["pnpm-lock.yaml", parsePnpmLock],
]);

/**
 * npm, yarn and pnpm lockfiles: what a project would install, which is not necessarily what the
 * image holds (node_modules may be absent, pruned, or bundled away). Opt-in (`--include-lockfiles`),
 * hence a factory the CLI calls rather than an entry in the default list. Lockfiles inside
 * node_modules are the published lockfiles of dependencies (or npm's hidden
 * node_modules/.package-lock.json) and are ignored.
 */
export function createNpmLockfileAnalyzer(): Analyzer {
  return {
    name: "npm-lockfile",
    version: 1,
    // A large monorepo's lockfile runs to tens of MB.
    maxFileSize: 64 * 1024 * 1024,
    required(path: string): boolean {
      const slash = path.lastIndexOf("/");
      return PARSERS.has(path.slice(slash + 1)) && !path.includes("node_modules/");
    },
    analyze({ path, bytes }): AnalyzerResult {
      const parse = PARSERS.get(path.slice(path.lastIndexOf("/") + 1));
      if (!parse) return { packages: [] };
      const { packages, warnings } = parse(bytes);
      return warnings.length > 0 ? { packages, warnings } : { packages };
    },
  };
}
