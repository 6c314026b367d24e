import { createWarningCollector, decodeDatabaseText } from "../text-database.js";
import type { PackageFinding } from "../types.js";
import { clip } from "./json-object.js";
import { implausible, splitNameAtVersion } from "./npm-name.js";
import type { ParseResult } from "./parse-package-json.js";
import { parseYamlSubset, type YamlMap, type YamlNode } from "./yaml-subset.js";

const DEPENDENCY_GROUPS = ["dependencies", "optionalDependencies"] as const;

/**
 * `pnpm-lock.yaml`, lockfile versions 5.x (`/name/1.0.0`), 6.x (`/name@1.0.0`) and 9.x
 * (`name@1.0.0`, dependency graph in `snapshots`). Dev-only packages are left out: v5/v6 mark
 * them `dev: true`; v9 does not, so they are those reachable only from importers'
 * devDependencies.
 */
export function parsePnpmLock(input: Buffer): ParseResult {
  const collector = createWarningCollector();
  const { root, malformed } = parseYamlSubset(decodeDatabaseText(input));
  if (malformed > 0) collector.warn(`${malformed} malformed line(s) ignored`);
  const lockfileVersion = Number.parseFloat(asString(root.get("lockfileVersion")) ?? "");
  const packages = root.get("packages");
  if (!Number.isFinite(lockfileVersion) || !(packages instanceof Map)) {
    collector.warn("no lockfileVersion or packages section; not a pnpm lockfile");
    return { packages: [], warnings: collector.list() };
  }

  const devOnly = lockfileVersion >= 9 ? devOnlyPackages(root) : undefined;
  const found = new Map<string, PackageFinding>();
  for (const [key, entry] of packages) {
    const fields = entry instanceof Map ? entry : new Map<string, YamlNode>();
    if (asString(fields.get("dev")) === "true") continue;
    const id = packageId(key, fields, lockfileVersion);
    if (!id) continue;
    if (devOnly?.has(`${id.name}@${id.version}`)) continue;
    const bad = implausible(id.name, id.version);
    if (bad) {
      collector.warn(`entry ${clip(key)}: ${bad}; skipped`);
      continue;
    }
    found.set(`${id.name}@${id.version}`, { ecosystem: "npm", name: id.name, version: id.version });
  }
  return { packages: [...found.values()], warnings: collector.list() };
}

/**
 * Name and version of a `packages` key. Peer suffixes ("(react@18.2.0)", v5's "_react@18.2.0")
 * are dropped; tarball and git entries carry `name`/`version` fields instead of a registry version.
 */
function packageId(
  rawKey: string,
  fields: YamlMap,
  lockfileVersion: number,
): { name: string; version: string } | undefined {
  const name = asString(fields.get("name"));
  const version = asString(fields.get("version"));
  if (name && version) return { name, version };

  let key = rawKey.startsWith("/") ? rawKey.slice(1) : rawKey;
  const paren = key.indexOf("(");
  if (paren > 0) key = key.slice(0, paren);
  let id: { name: string; version: string } | undefined;
  if (lockfileVersion >= 6) {
    id = splitNameAtVersion(key);
  } else {
    const slash = key.lastIndexOf("/");
    const underscore = key.indexOf("_", slash);
    const end = underscore === -1 ? key.length : underscore;
    id = slash > 0 ? { name: key.slice(0, slash), version: key.slice(slash + 1, end) } : undefined;
  }
  // A key like "github.com/user/repo/<sha>" without fields names no registry version.
  if (!id || !/^\d/.test(id.version)) return undefined;
  return id;
}

/**
 * v9: package ids ("name@version") reachable from some importer's devDependencies and from no
 * importer's dependencies or optionalDependencies, walking `snapshots`.
 */
function devOnlyPackages(root: YamlMap): Set<string> {
  const importers = root.get("importers");
  const snapshots = root.get("snapshots");
  const prodRoots: string[] = [];
  const devRoots: string[] = [];
  if (importers instanceof Map) {
    for (const importer of importers.values()) {
      if (!(importer instanceof Map)) continue;
      for (const group of DEPENDENCY_GROUPS) prodRoots.push(...importerDependencies(importer.get(group)));
      devRoots.push(...importerDependencies(importer.get("devDependencies")));
    }
  }
  const edges = (snapshotKey: string): string[] => {
    const snapshot = snapshots instanceof Map ? snapshots.get(snapshotKey) : undefined;
    if (!(snapshot instanceof Map)) return [];
    const out: string[] = [];
    for (const group of DEPENDENCY_GROUPS) {
      const deps = snapshot.get(group);
      if (!(deps instanceof Map)) continue;
      for (const [name, version] of deps) {
        if (typeof version === "string") out.push(snapshotKeyOf(name, version));
      }
    }
    return out;
  };
  // Compared by "name@version": peer variants of one package share its `packages` entry.
  const prod = new Set([...reach(prodRoots, edges)].map(withoutPeers));
  const dev = [...reach(devRoots, edges)].map(withoutPeers);
  return new Set(dev.filter((id) => !prod.has(id)));
}

/** Snapshot keys of an importer's group: `name: {specifier, version}` (v9) or `name: version`. */
function importerDependencies(group: YamlNode | undefined): string[] {
  if (!(group instanceof Map)) return [];
  const out: string[] = [];
  for (const [name, value] of group) {
    const version = value instanceof Map ? asString(value.get("version")) : value;
    if (version) out.push(snapshotKeyOf(name, version));
  }
  return out;
}

/** "1.2.3(peer@1)" → "name@1.2.3(peer@1)"; an alias "npm:real@1.2.3"-style value is its own key. */
function snapshotKeyOf(name: string, version: string): string {
  if (version.startsWith("link:")) return `${name}@${version}`;
  const split = splitNameAtVersion(version);
  return split && !/^\d/.test(version) ? version : `${name}@${version}`;
}

function reach(roots: string[], edges: (key: string) => string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const key = queue.pop() as string;
    if (seen.has(key)) continue;
    seen.add(key);
    queue.push(...edges(key));
  }
  return seen;
}

function withoutPeers(key: string): string {
  const paren = key.indexOf("(");
  return paren > 0 ? key.slice(0, paren) : key;
}

function asString(node: YamlNode | undefined): string | undefined {
  return typeof node === "string" ? node : undefined;
}
