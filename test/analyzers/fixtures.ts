import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { PackageFinding } from "../../lib/analyzers/types.js";

/** Absolute path of a file under test/fixtures. */
export function fixturePath(...parts: string[]): string {
  return fileURLToPath(new URL(`../fixtures/${parts.join("/")}`, import.meta.url));
}

export function readFixture(...parts: string[]): Buffer {
  return readFileSync(fixturePath(...parts));
}

export function readJsonFixture<T>(...parts: string[]): T {
  return JSON.parse(readFixture(...parts).toString("utf8")) as T;
}

export function listFixtures(...parts: string[]): string[] {
  return readdirSync(fixturePath(...parts)).sort();
}

/** One entry of the data pack's `<db>.expected.json`; a key is absent when the source test did not state it. */
export interface ExpectedPackage {
  name: string;
  version: string;
  source?: string;
  sourceVersion?: string;
  arch?: string;
}

/** A finding reduced to the keys the expected entry states, for exact comparison. */
export function projectLike(
  expected: ExpectedPackage,
  found: { name: string; version: string; source?: { name: string; version?: string }; arch?: string },
): ExpectedPackage {
  const full: ExpectedPackage = {
    name: found.name,
    version: found.version,
    source: found.source?.name,
    sourceVersion: found.source?.version,
    arch: found.arch,
  };
  const out: ExpectedPackage = { name: full.name, version: full.version };
  for (const key of ["source", "sourceVersion", "arch"] as const) {
    if (key in expected) out[key] = full[key];
  }
  return out;
}

/** Each finding reduced to the keys its expected entry (same name) states, sorted for comparison. */
export function matchExpected(found: PackageFinding[], expected: ExpectedPackage[]): ExpectedPackage[] {
  const byName = new Map(expected.map((e) => [e.name, e]));
  return found
    .map((p) => projectLike(byName.get(p.name) ?? { name: p.name, version: p.version }, p))
    .sort(byIdentity);
}

export function byIdentity(a: ExpectedPackage, b: ExpectedPackage): number {
  const ka = `${a.name}\0${a.version}\0${a.arch ?? ""}`;
  const kb = `${b.name}\0${b.version}\0${b.arch ?? ""}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Deterministic pseudo-random bytes (xorshift32), so the junk-input tests are reproducible. */
export function junkBytes(length: number, seed = 0x9e3779b9): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
