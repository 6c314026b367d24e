import { createWarningCollector, decodeDatabaseText, type WarningCollector } from "../text-database.js";
import type { PackageFinding } from "../types.js";
import { clip } from "./json-object.js";
import { implausible, splitNameAtVersion } from "./npm-name.js";
import type { ParseResult } from "./parse-package-json.js";
import { parseYamlSubset, unquote } from "./yaml-subset.js";

/** Ranges that point into the project itself, not at a published package. */
const LOCAL_PROTOCOLS = ["file:", "link:", "portal:", "workspace:", "patch:"];

/**
 * `yarn.lock` of yarn classic (v1, its own `key value` format) and yarn berry (v2+, YAML with a
 * `__metadata` entry). Neither records which entries are dev dependencies, so all are reported.
 */
export function parseYarnLock(input: Buffer): ParseResult {
  const text = decodeDatabaseText(input);
  const collector = createWarningCollector();
  const found = new Map<string, PackageFinding>();
  const add = (name: string, version: string, where: string): void => {
    const bad = implausible(name, version);
    if (bad) collector.warn(`entry ${clip(where)}: ${bad}; skipped`);
    else found.set(`${name}@${version}`, { ecosystem: "npm", name, version });
  };
  if (/^__metadata:/m.test(text)) readBerry(text, add, collector);
  else readClassic(text, add, collector);
  return { packages: [...found.values()], warnings: collector.list() };
}

type Add = (name: string, version: string, where: string) => void;

/**
 * Berry: the `resolution` ("name@npm:1.2.3") names the package actually installed, aliases
 * included; `patch:` entries repeat the npm entry they patch, `workspace:`/`link:`/`portal:` are
 * the project's own code.
 */
function readBerry(text: string, add: Add, collector: WarningCollector): void {
  const { root, malformed } = parseYamlSubset(text);
  if (malformed > 0) collector.warn(`${malformed} malformed line(s) ignored`);
  for (const [key, entry] of root) {
    if (key === "__metadata" || !(entry instanceof Map)) continue;
    const resolution = entry.get("resolution");
    const version = entry.get("version");
    if (typeof resolution !== "string" || typeof version !== "string") {
      collector.warn(`entry ${clip(key)}: no resolution or version; skipped`);
      continue;
    }
    if (entry.get("linkType") === "soft") continue;
    const spec = splitNameAtVersion(resolution);
    if (!spec || isLocal(spec.version)) continue;
    add(spec.name, version, key);
  }
}

/**
 * Classic: an unindented line lists the specs resolved to one package (`"a@^1", a@~1.2:`), the
 * two-space-indented `version "1.2.3"` says which version; deeper lines are dependency lists.
 */
function readClassic(text: string, add: Add, collector: WarningCollector): void {
  let spec: string | undefined;
  let versioned = true;
  const finish = (): void => {
    if (spec !== undefined && !versioned) collector.warn(`entry ${clip(spec)}: no version; skipped`);
  };
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf("\n", pos);
    if (end === -1) end = text.length;
    const line = text.slice(pos, end).trimEnd();
    pos = end + 1;
    if (line === "" || line.startsWith("#")) continue;
    if (line.charCodeAt(0) !== 32) {
      finish();
      spec = line.endsWith(":") ? firstSpec(line.slice(0, -1)) : undefined;
      versioned = spec === undefined;
      continue;
    }
    if (spec === undefined || versioned || !line.startsWith("  version ")) continue;
    versioned = true;
    const version = unquote(line.slice("  version ".length).trim());
    const id = packageOfSpec(spec);
    if (id) add(id, version, spec);
  }
  finish();
}

/** The first of a header's comma-separated specs, unquoted. */
function firstSpec(header: string): string {
  const comma = header.indexOf(", ");
  return unquote((comma === -1 ? header : header.slice(0, comma)).trim());
}

/** The package a spec installs: "a@^1" → a; an alias "a@npm:b@^1" → b; local specs → none. */
function packageOfSpec(spec: string): string | undefined {
  const split = splitNameAtVersion(spec);
  if (!split || isLocal(split.version)) return undefined;
  if (split.version.startsWith("npm:")) {
    const target = split.version.slice("npm:".length);
    // "npm:^1.2.3" is the same package from the registry; "npm:b@^1" is an alias of b.
    return splitNameAtVersion(target)?.name ?? split.name;
  }
  return split.name;
}

function isLocal(range: string): boolean {
  return LOCAL_PROTOCOLS.some((protocol) => range.startsWith(protocol));
}
