import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ImportError, importSource } from "../../../lib/vulndb/importers/index.js";
import { advisoryFixture, collect } from "./collect.js";

const tmp = mkdtempSync(join(tmpdir(), "portcullis-source-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("importSource", () => {
  it("tells every fixture format apart, walking the whole fixture tree", async () => {
    const all = await collect(importSource(advisoryFixture()));
    const prefixes = new Map<string, number>();
    for (const a of all.advisories) {
      const prefix = a.id.split("-")[0] as string;
      prefixes.set(prefix, (prefixes.get(prefix) ?? 0) + 1);
    }
    expect(Object.fromEntries(prefixes)).toEqual({
      DEBIAN: 6,
      GO: 4291,
      PYSEC: 2661,
      RUSTSEC: 1206,
      GHSA: 43,
      UBUNTU: 8,
      USN: 1,
      // 1124 + 1090 + 692 + 14 (v3.4 community) + 9 + 2 + 13, before merging across releases.
      ALPINE: 2944,
    });
    const cves = new Set(all.enrichments.map((e) => e.cve));
    expect(all.enrichments).toHaveLength(3 + 3 + 5 + 5);
    expect(cves.has("CVE-2021-44228")).toBe(true);
    expect(all.warnings).toEqual([]);
  });

  it("detects single files by content, not name", async () => {
    const kev = join(tmp, "catalog.json");
    writeFileSync(kev, readFileSync(advisoryFixture("enrichment", "known_exploited_vulnerabilities.json")));
    expect((await collect(importSource(kev))).enrichments).toHaveLength(3);
    const tracker = join(tmp, "data.json");
    writeFileSync(tracker, readFileSync(advisoryFixture("debian-tracker", "vunnel-debian.json")));
    expect((await collect(importSource(tracker))).advisories).toHaveLength(6);
    const other = join(tmp, "other.json");
    writeFileSync(other, JSON.stringify({ hello: "world" }));
    expect((await collect(importSource(other))).warnings).toEqual([
      `${other}: skipped: not a recognised advisory format`,
    ]);
  });

  it("throws ImportError for a missing path or a file over the cap", async () => {
    await expect(collect(importSource(join(tmp, "missing.json")))).rejects.toBeInstanceOf(ImportError);
    const path = advisoryFixture("debian-tracker", "vunnel-debian.json");
    await expect(collect(importSource(path, { limits: { maxFileBytes: 100 } }))).rejects.toThrow(
      /exceed the cap of 100/,
    );
  });
});
