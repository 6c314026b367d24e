import { describe, expect, it } from "vitest";
import { apkAnalyzer } from "../../../lib/analyzers/apk/apk-analyzer.js";
import {
  byIdentity,
  type ExpectedPackage,
  junkBytes,
  listFixtures,
  matchExpected,
  readFixture,
  readJsonFixture,
} from "../fixtures.js";

const DIR = "pkgdb/apk";
const PATH = "lib/apk/db/installed";
const analyze = (bytes: Buffer | string) =>
  apkAnalyzer.analyze({ path: PATH, bytes: typeof bytes === "string" ? Buffer.from(bytes) : bytes });

describe("apk analyzer: expected package lists from osv-scalibr, trivy and syft", () => {
  const cases = listFixtures(DIR).filter((f) => f.endsWith(".expected.json"));

  it("has the data pack's expected lists", () => {
    expect(cases).toHaveLength(3);
  });

  for (const expectedFile of cases) {
    const dbFile = expectedFile.slice(0, -".expected.json".length);
    it(`${dbFile} yields exactly the expected packages`, () => {
      const expected = readJsonFixture<ExpectedPackage[]>(DIR, expectedFile);
      const packages = analyze(readFixture(DIR, dbFile)).packages ?? [];
      expect(matchExpected(packages, expected)).toEqual([...expected].sort(byIdentity));
    });
  }

  it("skips trivy's version-less record with a warning", () => {
    const result = analyze(readFixture(DIR, "trivy-apk.installed"));
    expect(result.packages).toHaveLength(15);
    expect(result.warnings).toEqual([
      "package invalidPackageWithoutAVersion (line 23): no V: (version); skipped",
    ]);
  });

  it("reads the full finding: origin as source, SPDX license as one string, Q1 checksum", () => {
    const packages = analyze(readFixture(DIR, "osv-scalibr-alpine-3.18.installed")).packages ?? [];
    expect(packages).toHaveLength(15);
    const baselayoutData = packages.find((p) => p.name === "alpine-baselayout-data");
    expect(baselayoutData).toEqual({
      ecosystem: "apk",
      name: "alpine-baselayout-data",
      version: "3.4.3-r1",
      source: { name: "alpine-baselayout", version: "3.4.3-r1" },
      arch: "x86_64",
      licenses: ["GPL-2.0-only"],
      maintainer: "Natanael Copa <ncopa@alpinelinux.org>",
      checksum: expect.stringMatching(/^Q1[A-Za-z0-9+/=]+$/),
    });
    const compound = packages.filter((p) => (p.licenses?.[0] ?? "").includes(" AND "));
    expect(compound.length).toBeGreaterThan(0);
    for (const p of compound) expect(p.licenses).toHaveLength(1);
  });

  it("finds every package named in syft's dependency tree (multiple-2)", () => {
    const { dependencies } = readJsonFixture<{ dependencies: Record<string, string[]> }>(
      DIR,
      "syft-multiple-2.installed.expected-relationships.json",
    );
    const names = new Set(
      analyze(readFixture(DIR, "syft-multiple-2.installed")).packages?.map((p) => p.name),
    );
    expect(names.size).toBe(14);
    for (const [pkg, deps] of Object.entries(dependencies)) {
      expect(names.has(pkg), pkg).toBe(true);
      for (const dep of deps) expect(names.has(dep), dep).toBe(true);
    }
  });
});

describe("apk analyzer: hostile and odd input", () => {
  const db = readFixture(DIR, "osv-scalibr-alpine-3.18.installed");

  it("handles an empty file", () => {
    expect(analyze(Buffer.alloc(0))).toEqual({ packages: [], installedFiles: [] });
  });

  it("lists the files each package installed, for ownership of language packages", () => {
    const db =
      "P:py3-six\nV:1.16.0-r6\nF:usr/lib/python3.11/site-packages/six-1.16.0.dist-info\nR:METADATA\nR:RECORD\nF:usr/lib/python3.11/site-packages\nR:six.py\n\nP:nofiles\nV:1-r0\n";
    expect(analyze(Buffer.from(db)).installedFiles).toEqual([
      {
        owner: { ecosystem: "apk", name: "py3-six" },
        paths: [
          "usr/lib/python3.11/site-packages/six-1.16.0.dist-info/METADATA",
          "usr/lib/python3.11/site-packages/six-1.16.0.dist-info/RECORD",
          "usr/lib/python3.11/site-packages/six.py",
        ],
      },
    ]);
  });

  it("survives random bytes", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const result = analyze(junkBytes(64 * 1024, seed));
      expect(Array.isArray(result.packages)).toBe(true);
      expect(result.warnings?.length ?? 0).toBeLessThanOrEqual(21);
    }
  });

  it("reads a file truncated mid-record up to the cut", () => {
    const text = db.toString("utf8");
    // Cut right after the 10th record's P: line: that record has no V: and is skipped with a warning.
    let at = -1;
    for (let i = 0; i < 10; i++) at = text.indexOf("\nP:", at + 1);
    const result = analyze(text.slice(0, text.indexOf("\n", at + 1)));
    expect(result.packages).toHaveLength(9);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings?.[0]).toMatch(/no V:/);
  });

  it("reads CRLF line endings like LF, and a record without a trailing newline", () => {
    const crlf = Buffer.from(db.toString("utf8").replace(/\n/g, "\r\n"));
    expect(analyze(crlf).packages).toEqual(analyze(db).packages);
    expect(analyze("P:a\nV:1-r0").packages).toEqual([
      { ecosystem: "apk", name: "a", version: "1-r0", source: { name: "a", version: "1-r0" } },
    ]);
  });

  it("ignores a byte-order mark", () => {
    expect(analyze("\uFEFFP:a\nV:1-r0\n").packages?.map((p) => p.name)).toEqual(["a"]);
  });

  it("warns about a record without P: and malformed lines", () => {
    const result = analyze("V:1-r0\no:x\n\nP:b\nV:2-r0\nnot an apk line\n");
    expect(result.packages?.map((p) => p.name)).toEqual(["b"]);
    expect(result.warnings).toEqual([
      "record at line 1: no P: (name); skipped",
      "1 malformed line(s) ignored",
    ]);
  });
});

describe("apkAnalyzer.required", () => {
  it.each(["lib/apk/db/installed", "usr/lib/apk/db/installed"])("wants %s", (path) => {
    expect(apkAnalyzer.required(path, 1000)).toBe(true);
  });

  it.each([
    "/lib/apk/db/installed",
    "lib/apk/db/installed.new",
    "lib/apk/db/lock",
    "lib/apk/db/triggers",
    "etc/apk/world",
    "var/lib/apk/db/installed",
  ])("ignores %s", (path) => {
    expect(apkAnalyzer.required(path, 1000)).toBe(false);
  });
});
