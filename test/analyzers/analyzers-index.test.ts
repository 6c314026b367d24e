import { describe, expect, it } from "vitest";
import { ANALYZERS, analyzersCacheKey, pickOperatingSystem } from "../../lib/analyzers/index.js";

describe("ANALYZERS", () => {
  it("lists each analyzer once", () => {
    const names = ANALYZERS.map((a) => a.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(["os-release", "dpkg", "apk", "rpm"]));
  });

  it("gives every analyzer a positive integer version and size cap", () => {
    for (const a of ANALYZERS) {
      expect(Number.isInteger(a.version) && a.version > 0, a.name).toBe(true);
      expect(a.maxFileSize, a.name).toBeGreaterThan(0);
    }
  });

  it("re-exports pickOperatingSystem", () => {
    expect(pickOperatingSystem([{ path: "etc/os-release", os: { family: "alpine" } }])).toEqual({
      family: "alpine",
    });
  });

  it("routes each database path to exactly its analyzer", () => {
    const wanting = (path: string) => ANALYZERS.filter((a) => a.required(path, 1)).map((a) => a.name);
    expect(wanting("etc/os-release")).toEqual(["os-release"]);
    expect(wanting("var/lib/dpkg/status")).toEqual(["dpkg"]);
    expect(wanting("lib/apk/db/installed")).toEqual(["apk"]);
    expect(wanting("var/lib/rpm/rpmdb.sqlite")).toEqual(["rpm"]);
    expect(wanting("usr/bin/bash")).toEqual([]);
  });
});

describe("analyzersCacheKey", () => {
  it("is the sorted name@version list", () => {
    const expected = ANALYZERS.map((a) => `${a.name}@${a.version}`).sort();
    expect(analyzersCacheKey(ANALYZERS)).toBe(expected.join(","));
    expect(expected).toEqual(expect.arrayContaining(["dpkg@1", "os-release@1"]));
  });

  it("does not depend on order and changes with a version bump", () => {
    const list = [
      { name: "b", version: 2 },
      { name: "a", version: 1 },
    ];
    expect(analyzersCacheKey(list)).toBe("a@1,b@2");
    expect(analyzersCacheKey([...list].reverse())).toBe("a@1,b@2");
    expect(
      analyzersCacheKey([{ name: "a", version: 2 }, list[0] as { name: string; version: number }]),
    ).not.toBe(analyzersCacheKey(list));
    expect(analyzersCacheKey([])).toBe("");
  });
});
