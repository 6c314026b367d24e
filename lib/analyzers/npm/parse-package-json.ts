import { createWarningCollector } from "../text-database.js";
import type { PackageFinding } from "../types.js";
import { clip, parseObject } from "./json-object.js";
import { npmLicenses } from "./npm-license.js";
import { implausible } from "./npm-name.js";

export interface ParseResult {
  packages: PackageFinding[];
  warnings: string[];
}

/**
 * One installed package's `package.json`. `expectedName` is what its directory says
 * (node_modules/<name>); a manifest naming something else is a vendored copy or a fixture, not
 * what `require()` loads, so it is skipped with a warning. (npm aliases, `"x": "npm:y@1"`, also
 * land here: the lockfile analyzer reports those.)
 */
export function parsePackageJson(bytes: Buffer, expectedName: string): ParseResult {
  const collector = createWarningCollector();
  const manifest = parseObject(bytes, collector.warn);
  if (!manifest) return { packages: [], warnings: collector.list() };

  const { name, version } = manifest;
  if (typeof name !== "string" || name === "") {
    collector.warn("no name; skipped");
    return { packages: [], warnings: collector.list() };
  }
  if (typeof version !== "string" || version === "") {
    collector.warn(`package ${clip(name)}: no version; skipped`);
    return { packages: [], warnings: collector.list() };
  }
  const bad = implausible(name, version);
  if (bad) {
    collector.warn(`${bad}; skipped`);
    return { packages: [], warnings: collector.list() };
  }
  if (name !== expectedName) {
    collector.warn(`names ${name} but its directory says ${expectedName}; skipped`);
    return { packages: [], warnings: collector.list() };
  }
  const finding: PackageFinding = { ecosystem: "npm", name, version };
  const licenses = npmLicenses(manifest);
  if (licenses) finding.licenses = licenses;
  return { packages: [finding], warnings: [] };
}
