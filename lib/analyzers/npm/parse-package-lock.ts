import { createWarningCollector, type WarningCollector } from "../text-database.js";
import type { PackageFinding } from "../types.js";
import { clip, isObject, parseObject } from "./json-object.js";
import { npmLicenses } from "./npm-license.js";
import { implausible, splitNameAtVersion } from "./npm-name.js";
import type { ParseResult } from "./parse-package-json.js";

const NODE_MODULES = "node_modules/";

type Add = (name: string, version: string, entry: Record<string, unknown>, where: string) => void;

/**
 * `package-lock.json` / `npm-shrinkwrap.json`: v2 and v3 list every install location under
 * `packages` ("node_modules/a/node_modules/b"); v1 nests `dependencies`. Entries marked
 * `dev: true` are left out (as `npm ci --omit=dev` would); symlinks to workspaces and the
 * workspaces themselves are the project's own code. Each name@version is reported once.
 */
export function parsePackageLock(input: Buffer): ParseResult {
  const collector = createWarningCollector();
  const lock = parseObject(input, collector.warn);
  if (!lock) return { packages: [], warnings: collector.list() };

  const found = new Map<string, PackageFinding>();
  const add: Add = (name, version, entry, where) => {
    const bad = implausible(name, version);
    if (bad) {
      collector.warn(`entry ${clip(where)}: ${bad}; skipped`);
      return;
    }
    const key = `${name}@${version}`;
    if (found.has(key)) return;
    const finding: PackageFinding = { ecosystem: "npm", name, version };
    const licenses = npmLicenses(entry);
    if (licenses) finding.licenses = licenses;
    found.set(key, finding);
  };

  if (isObject(lock.packages)) readPackages(lock.packages, add, collector);
  else if (isObject(lock.dependencies)) readDependencies(lock.dependencies, add, collector);
  else collector.warn("neither packages nor dependencies; not an npm lockfile");
  return { packages: [...found.values()], warnings: collector.list() };
}

/** v2/v3: keys are install paths; `name` is set when it differs from the path (aliases). */
function readPackages(packages: Record<string, unknown>, add: Add, collector: WarningCollector): void {
  for (const [path, entry] of Object.entries(packages)) {
    const at = path.lastIndexOf(NODE_MODULES);
    // "" is the project; paths outside node_modules are workspace sources.
    if (at === -1) continue;
    if (!isObject(entry)) {
      collector.warn(`entry ${clip(path)}: not an object; skipped`);
      continue;
    }
    if (entry.link === true || entry.dev === true) continue;
    const name = typeof entry.name === "string" ? entry.name : path.slice(at + NODE_MODULES.length);
    if (typeof entry.version !== "string" || entry.version === "") {
      collector.warn(`entry ${clip(path)}: no version; skipped`);
      continue;
    }
    add(name, entry.version, entry, path);
  }
}

/**
 * v1: `{name: {version, dev, dependencies: {…}}}` nested along the install tree. Walked with an
 * explicit stack, so a deep tree cannot overflow the call stack. Versions that are URLs, git or
 * file specs name no registry release and are skipped.
 */
function readDependencies(root: Record<string, unknown>, add: Add, collector: WarningCollector): void {
  const stack: Array<Record<string, unknown>> = [root];
  while (stack.length > 0) {
    const level = stack.pop() as Record<string, unknown>;
    for (const [name, entry] of Object.entries(level)) {
      if (!isObject(entry)) {
        collector.warn(`dependency ${clip(name)}: not an object; skipped`);
        continue;
      }
      if (isObject(entry.dependencies)) stack.push(entry.dependencies);
      if (entry.dev === true) continue;
      const version = entry.version;
      if (typeof version !== "string" || version === "") {
        collector.warn(`dependency ${clip(name)}: no version; skipped`);
        continue;
      }
      if (version.startsWith("npm:")) {
        const alias = splitNameAtVersion(version.slice("npm:".length));
        if (alias) add(alias.name, alias.version, entry, name);
      } else if (/^\d/.test(version)) {
        add(name, version, entry, name);
      }
    }
  }
}
