import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fixturePath } from "../fixtures.js";

export const APP_DIR = fixturePath("npm", "app");

export interface FixtureFile {
  /** Path as it sits in the test image: "app/<path under test/fixtures/npm/app>". */
  path: string;
  bytes: Buffer;
  mode: number;
}

/** Every file of the committed npm install, as the layer walk would see it under /app. */
export function appFiles(): FixtureFile[] {
  const out: FixtureFile[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(APP_DIR, rel)).sort()) {
      const relPath = rel ? `${rel}/${name}` : name;
      const abs = join(APP_DIR, relPath);
      const stat = statSync(abs);
      if (stat.isDirectory()) walk(relPath);
      else out.push({ path: `app/${relPath}`, bytes: readFileSync(abs), mode: stat.mode & 0o7777 });
    }
  };
  walk("");
  return out;
}

export interface LockedPackage {
  /** Install location in the lockfile, e.g. "node_modules/express/node_modules/debug". */
  location: string;
  name: string;
  version: string;
  license?: string;
  dev: boolean;
}

/**
 * The expected inventory, read straight from the install's own package-lock.json (v3) with
 * JSON.parse: independent of the parsers under test.
 */
export function lockedPackages(): LockedPackage[] {
  const lock = JSON.parse(readFileSync(join(APP_DIR, "package-lock.json"), "utf8")) as {
    packages: Record<string, { name?: string; version: string; license?: string; dev?: boolean }>;
  };
  return Object.entries(lock.packages)
    .filter(([location]) => location !== "")
    .map(([location, entry]) => ({
      location,
      name: entry.name ?? location.slice(location.lastIndexOf("node_modules/") + "node_modules/".length),
      version: entry.version,
      ...(entry.license ? { license: entry.license } : {}),
      dev: entry.dev === true,
    }));
}

export function ids(packages: ReadonlyArray<{ name: string; version: string }>): string[] {
  return [...new Set(packages.map((p) => `${p.name}@${p.version}`))].sort();
}
