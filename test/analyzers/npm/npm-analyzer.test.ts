import { describe, expect, it } from "vitest";
import { npmAnalyzer } from "../../../lib/analyzers/npm/npm-analyzer.js";
import { packageNameFromPath } from "../../../lib/analyzers/npm/package-root-path.js";
import type { AnalyzerResult } from "../../../lib/analyzers/types.js";
import { junkBytes } from "../fixtures.js";
import { appFiles, ids, lockedPackages } from "./npm-fixture.js";

const analyze = (path: string, content: string | Buffer): AnalyzerResult =>
  npmAnalyzer.analyze({ path, bytes: typeof content === "string" ? Buffer.from(content) : content });
const manifest = (value: unknown) => JSON.stringify(value);

describe("npm analyzer on a real npm install (express 4.16.0, lodash, @babel/code-frame, ...)", () => {
  const files = appFiles();
  const wanted = files.filter((f) => npmAnalyzer.required(f.path, f.bytes.length, f.mode));
  const results = wanted.map((f) => ({ path: f.path, result: npmAnalyzer.analyze(f) }));
  const locked = lockedPackages();

  it("wants exactly the package roots: not the app's manifest, lockfiles or hidden lockfile", () => {
    const expected = locked.map((p) => `app/${p.location}/package.json`).sort();
    expect(wanted.map((f) => f.path).sort()).toEqual(expected);
    expect(expected).toHaveLength(70);
    for (const skipped of [
      "app/package.json",
      "app/package-lock.json",
      "app/node_modules/.package-lock.json",
    ]) {
      expect(files.some((f) => f.path === skipped)).toBe(true);
      expect(wanted.some((f) => f.path === skipped)).toBe(false);
    }
  });

  it("finds every package of the install's package-lock.json, at its install location, without warnings", () => {
    for (const { result } of results) expect(result.warnings).toBeUndefined();
    const found = results.flatMap(({ path, result }) =>
      (result.packages ?? []).map((p) => ({ path, name: p.name, version: p.version })),
    );
    const expected = locked.map((p) => ({
      path: `app/${p.location}/package.json`,
      name: p.name,
      version: p.version,
    }));
    const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : 1);
    expect(found.sort(byPath)).toEqual(expected.sort(byPath));
    // 67 distinct releases in 70 locations: duplicates nest under their dependents. The dev
    // dependency is-number is on disk, so it is found.
    expect(ids(found)).toEqual(ids(locked));
    expect(ids(found)).toHaveLength(67);
  });

  it("reads licences as the lockfile records them", () => {
    const licenseByLocation = new Map(locked.map((p) => [`app/${p.location}/package.json`, p.license]));
    for (const { path, result } of results) {
      expect(result.packages?.[0]?.licenses, path).toEqual([licenseByLocation.get(path)]);
    }
  });

  it("keeps nested duplicates apart and reads scoped packages", () => {
    const at = (path: string) => results.find((r) => r.path === path)?.result.packages?.[0];
    expect(at("app/node_modules/debug/package.json")).toMatchObject({ name: "debug", version: "2.6.8" });
    expect(at("app/node_modules/express/node_modules/debug/package.json")).toMatchObject({
      name: "debug",
      version: "2.6.9",
    });
    expect(at("app/node_modules/@babel/code-frame/package.json")).toEqual({
      ecosystem: "npm",
      name: "@babel/code-frame",
      version: "7.0.0",
      licenses: ["MIT"],
    });
    // utils-merge states MIT twice: "license" and the legacy "licenses" array.
    expect(at("app/node_modules/utils-merge/package.json")?.licenses).toEqual(["MIT"]);
  });
});

describe("npmAnalyzer.required", () => {
  it.each([
    "node_modules/lodash/package.json",
    "app/node_modules/lodash/package.json",
    "app/node_modules/@babel/code-frame/package.json",
    "a/node_modules/b/node_modules/@s/c/package.json",
    "usr/local/lib/node_modules/npm/package.json",
    "usr/local/lib/node_modules/npm/node_modules/semver/package.json",
    "app/node_modules/.pnpm/lodash@4.17.15/node_modules/lodash/package.json",
  ])("wants %s", (path) => {
    expect(npmAnalyzer.required(path, 1000, 0o644)).toBe(true);
  });

  it.each([
    "package.json",
    "app/package.json",
    "node_modules/package.json",
    "node_modules/x/lib/package.json",
    "node_modules/x/test/fixtures/package.json",
    "node_modules/x/test/fixtures/node_modules/package.json",
    "node_modules/@scope/package.json",
    "node_modules/@s/c/lib/package.json",
    "node_modules/.bin/package.json",
    "node_modules/.pnpm/package.json",
    "node_modules/.package-lock.json",
    "node_modules/x/package.json.bak",
    "node_modules/x/notpackage.json",
    "node_modules/@/x/package.json",
    "app/node_modules_old/x/package.json",
    "vendor/x/package.json",
  ])("ignores %s", (path) => {
    expect(npmAnalyzer.required(path, 1000, 0o644)).toBe(false);
  });

  it("names the package the path implies", () => {
    expect(packageNameFromPath("node_modules/@s/c/package.json")).toBe("@s/c");
    expect(packageNameFromPath("a/node_modules/b/node_modules/c/package.json")).toBe("c");
    expect(packageNameFromPath("node_modules/x/lib/package.json")).toBeUndefined();
  });
});

describe("npm analyzer: hostile and odd package.json files", () => {
  const PATH = "app/node_modules/left-pad/package.json";

  it("warns on invalid JSON, JSON that is not an object, and binary junk, without throwing", () => {
    for (const input of ["{", "", "null", "[]", '"left-pad"', "42", junkBytes(64 * 1024, 7)]) {
      const result = analyze(PATH, input);
      expect(result.packages).toEqual([]);
      expect(result.warnings).toHaveLength(1);
      expect(result.warnings?.[0]).toMatch(/^not (valid JSON|a JSON object); skipped$/);
    }
  });

  it("skips manifests without name or version, or of the wrong types", () => {
    expect(analyze(PATH, manifest({ version: "1.3.0" })).warnings).toEqual(["no name; skipped"]);
    expect(analyze(PATH, manifest({ name: 5, version: "1.3.0" })).warnings).toEqual(["no name; skipped"]);
    expect(analyze(PATH, manifest({ name: "left-pad" })).warnings).toEqual([
      "package left-pad: no version; skipped",
    ]);
    expect(analyze(PATH, manifest({ name: "left-pad", version: ["1"] })).packages).toEqual([]);
  });

  it("skips a manifest naming another package than its directory", () => {
    const result = analyze(PATH, manifest({ name: "right-pad", version: "1.0.0" }));
    expect(result).toEqual({
      packages: [],
      warnings: ["names right-pad but its directory says left-pad; skipped"],
    });
  });

  it("bounds huge strings instead of echoing them", () => {
    const huge = "x".repeat(10 * 1024 * 1024);
    const named = analyze(PATH, manifest({ name: huge, version: "1.0.0" }));
    expect(named.packages).toEqual([]);
    expect(named.warnings).toEqual(["name longer than 214 characters; skipped"]);
    const versioned = analyze(PATH, manifest({ name: "left-pad", version: huge }));
    expect(versioned.warnings).toEqual(["version longer than 256 characters; skipped"]);
    const noVersion = analyze(PATH, manifest({ name: huge }));
    expect(noVersion.warnings?.[0]?.length).toBeLessThan(200);
  });

  it("reads every licence shape: SPDX string, {type}, legacy licenses[], and ignores junk", () => {
    const licenses = (extra: Record<string, unknown>) =>
      analyze(PATH, manifest({ name: "left-pad", version: "1.3.0", ...extra })).packages?.[0]?.licenses;
    expect(licenses({ license: "(MIT OR Apache-2.0)" })).toEqual(["(MIT OR Apache-2.0)"]);
    expect(licenses({ license: { type: "BSD-3-Clause", url: "https://…" } })).toEqual(["BSD-3-Clause"]);
    expect(licenses({ licenses: [{ type: "MIT" }, { type: "GPL-2.0" }, "ISC"] })).toEqual([
      "MIT",
      "GPL-2.0",
      "ISC",
    ]);
    expect(licenses({ license: 42, licenses: [null, {}, { type: 7 }, "  "] })).toBeUndefined();
    expect(licenses({ licenses: Array.from({ length: 10_000 }, (_, i) => `L${i}`) })).toHaveLength(16);
  });

  it("reads a BOM-prefixed manifest", () => {
    const result = analyze(PATH, `\uFEFF${manifest({ name: "left-pad", version: "1.3.0" })}`);
    expect(result).toEqual({ packages: [{ ecosystem: "npm", name: "left-pad", version: "1.3.0" }] });
  });
});
