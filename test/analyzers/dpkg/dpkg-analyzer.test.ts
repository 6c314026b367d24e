import { describe, expect, it } from "vitest";
import { dpkgAnalyzer } from "../../../lib/analyzers/dpkg/dpkg-analyzer.js";
import { parseDpkgStatus, parseSource } from "../../../lib/analyzers/dpkg/parse-dpkg-status.js";
import {
  byIdentity,
  type ExpectedPackage,
  junkBytes,
  listFixtures,
  matchExpected,
  readFixture,
  readJsonFixture,
} from "../fixtures.js";

const DIR = "pkgdb/dpkg";
const analyze = (bytes: Buffer | string, path = "var/lib/dpkg/status") =>
  dpkgAnalyzer.analyze({ path, bytes: typeof bytes === "string" ? Buffer.from(bytes) : bytes });

interface Facts {
  "claircore-texlive.status": { stanzaCount: number };
  "claircore-debian-only.status": { firstStanza: { Package: string; Version: string } };
  "claircore-postgresql.status": { package: string; source: { name: string; version: string } };
  "claircore-vcpkg.status": { isDpkgDB: boolean };
}
const facts = readJsonFixture<Facts>(DIR, "claircore.expected-facts.json");

describe("dpkg analyzer: expected package lists from trivy and syft", () => {
  const cases = listFixtures(DIR).filter((f) => f.endsWith(".expected.json"));

  it("has the data pack's expected lists", () => {
    expect(cases.length).toBe(7);
  });

  for (const expectedFile of cases) {
    const dbFile = expectedFile.slice(0, -".expected.json".length);
    it(`${dbFile} yields exactly the expected packages`, () => {
      const expected = readJsonFixture<ExpectedPackage[]>(DIR, expectedFile);
      // syft keeps a stanza with no Version as version ""; we skip it (nothing can match it) and warn.
      const versioned = expected.filter((p) => p.version !== "");
      const path = dbFile.includes("status.d") ? "var/lib/dpkg/status.d/pkg" : "var/lib/dpkg/status";
      const result = analyze(readFixture(DIR, dbFile), path);
      expect(matchExpected(result.packages ?? [], versioned)).toEqual([...versioned].sort(byIdentity));
      for (const p of expected.filter((e) => e.version === "")) {
        expect(result.warnings?.some((w) => w.includes(p.name) && w.includes("no Version"))).toBe(true);
      }
    });
  }
});

describe("dpkg analyzer: claircore facts", () => {
  it("reads all 357 stanzas of the texlive status", () => {
    const result = analyze(readFixture(DIR, "claircore-texlive.status"));
    expect(result.packages).toHaveLength(facts["claircore-texlive.status"].stanzaCount);
    expect(result.warnings).toBeUndefined();
    for (const p of result.packages ?? []) {
      expect(p.ecosystem).toBe("deb");
      expect(p.name).not.toBe("");
      expect(p.version).not.toBe("");
      expect(p.maintainer).toBeTruthy();
    }
  });

  it("reads the single debian-archive-keyring stanza", () => {
    const { firstStanza } = facts["claircore-debian-only.status"];
    const [first, ...rest] = analyze(readFixture(DIR, "claircore-debian-only.status")).packages ?? [];
    expect(rest).toHaveLength(0);
    expect(first).toMatchObject({
      ecosystem: "deb",
      name: firstStanza.Package,
      version: firstStanza.Version,
      source: { name: firstStanza.Package, version: firstStanza.Version },
    });
  });

  it("takes the source version from `Source: name (version)`", () => {
    const fact = facts["claircore-postgresql.status"];
    const packages = analyze(readFixture(DIR, "claircore-postgresql.status")).packages ?? [];
    expect(packages).toHaveLength(3);
    const client = packages.find((p) => p.name === fact.package);
    expect(client?.version).toBe("11+200+deb10u5");
    expect(client?.source).toEqual(fact.source);
    // A bare Source shares the binary's version.
    expect(packages.find((p) => p.name === "postgresql-client-11")?.source).toEqual({
      name: "postgresql-11",
      version: "11.22-0+deb10u2",
    });
  });

  it("rejects the vcpkg status file: zero packages and a warning", () => {
    expect(facts["claircore-vcpkg.status"].isDpkgDB).toBe(false);
    const bytes = readFixture(DIR, "claircore-vcpkg.status");
    expect(parseDpkgStatus(bytes).isDpkg).toBe(false);
    const result = analyze(bytes);
    expect(result.packages).toEqual([]);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings?.[0]).toMatch(/not a dpkg database/);
  });

  it("accepts every real dpkg fixture as dpkg", () => {
    for (const f of listFixtures(DIR).filter((n) => !n.endsWith(".json") && !n.includes("vcpkg"))) {
      expect(parseDpkgStatus(readFixture(DIR, f)).isDpkg, f).toBe(true);
    }
  });
});

describe("dpkg analyzer: syft status.d details", () => {
  it("finds every package named in the coreutils dependency edges", () => {
    const { dependencies } = readJsonFixture<{ dependencies: Record<string, string[]> }>(
      DIR,
      "syft-status.d-coreutils-relationships.expected-relationships.json",
    );
    const names = new Set(
      analyze(
        readFixture(DIR, "syft-status.d-coreutils-relationships"),
        "var/lib/dpkg/status.d/x",
      ).packages?.map((p) => p.name),
    );
    expect(names.size).toBe(9);
    for (const [pkg, deps] of Object.entries(dependencies)) {
      expect(names.has(pkg), pkg).toBe(true);
      for (const dep of deps) expect(names.has(dep), dep).toBe(true);
    }
  });

  it("warns about the empty Package: stanza and keeps the real one", () => {
    const result = analyze(readFixture(DIR, "syft-image-dpkg.status"));
    expect(result.packages?.map((p) => p.name)).toEqual(["libpam-runtime"]);
    expect(result.packages?.[0]?.maintainer).toBe("Steve Langasek <vorlon@debian.org>");
    expect(result.warnings).toEqual(["stanza at line 1: no Package name; skipped"]);
  });

  it("skips config-files leftovers (deinstall ok config-files)", () => {
    const names = analyze(readFixture(DIR, "syft-status.d-deinstall")).packages?.map((p) => p.name);
    expect(names).toEqual(["linux-image-6.14.0-1012-aws"]);
  });
});

const stanza = (fields: Record<string, string>): string =>
  Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}\n`)
    .join("");
const base = { Maintainer: "Someone <a@example.org>", Architecture: "amd64", Version: "1.0-1" };

describe("dpkg analyzer: Status and Source rules", () => {
  it.each([
    ["install ok installed", true],
    ["hold ok installed", true],
    ["install ok unpacked", true],
    ["install ok half-configured", true],
    ["install ok triggers-pending", true],
    ["deinstall ok config-files", false],
    ["purge ok not-installed", false],
    ["install reinstreq half-installed", false],
  ])("Status %j → present %s", (status, present) => {
    const result = analyze(stanza({ Package: "p", Status: status, ...base }));
    expect(result.packages ?? []).toHaveLength(present ? 1 : 0);
  });

  it("treats a missing Status as installed (distroless status.d)", () => {
    expect(analyze(stanza({ Package: "p", ...base }), "var/lib/dpkg/status.d/p").packages).toHaveLength(1);
  });

  it("derives the source", () => {
    expect(parseSource(undefined, "libc6", "2.36-9")).toEqual({ name: "libc6", version: "2.36-9" });
    expect(parseSource("glibc", "libc6", "2.36-9")).toEqual({ name: "glibc", version: "2.36-9" });
    expect(parseSource("gcc-8 (8.3.0-6)", "libgcc1", "1:8.3.0-6")).toEqual({
      name: "gcc-8",
      version: "8.3.0-6",
    });
    expect(parseSource("gcc-8 (8.3.0-6", "libgcc1", "1:8.3.0-6")).toEqual({
      name: "gcc-8",
      version: "8.3.0-6",
    });
  });

  it("keeps the epoch as written and all fields of a full finding", () => {
    const text = stanza({
      Package: "libgcc1",
      Status: "install ok installed",
      Source: "gcc-8 (8.3.0-6)",
      ...base,
    });
    expect(analyze(text.replace("1.0-1", "1:8.3.0-6")).packages).toEqual([
      {
        ecosystem: "deb",
        name: "libgcc1",
        version: "1:8.3.0-6",
        source: { name: "gcc-8", version: "8.3.0-6" },
        arch: "amd64",
        maintainer: "Someone <a@example.org>",
      },
    ]);
  });

  it("skips a stanza without Version, with a warning", () => {
    const result = analyze(stanza({ Package: "nov", Status: "install ok installed", Maintainer: "m" }));
    expect(result.packages).toEqual([]);
    expect(result.warnings).toEqual(["package nov (line 1): no Version; skipped"]);
  });
});

describe("dpkg analyzer: hostile and odd input", () => {
  const ubuntu = readFixture(DIR, "ubuntu-18.04.status");
  const ubuntuPackages = analyze(ubuntu).packages;

  it("handles an empty file", () => {
    expect(analyze(Buffer.alloc(0))).toEqual({ packages: [] });
  });

  it("survives random bytes", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const result = analyze(junkBytes(64 * 1024, seed));
      expect(Array.isArray(result.packages)).toBe(true);
      expect(result.warnings?.length ?? 0).toBeLessThanOrEqual(21);
    }
  });

  it("stays linear on many colon-free lines", () => {
    const result = analyze("x\n".repeat(2_000_000));
    expect(result.packages).toEqual([]);
    expect(result.warnings).toEqual(["2000000 malformed line(s) ignored"]);
  });

  it("reads a file truncated mid-stanza up to the cut", () => {
    const texlive = readFixture(DIR, "claircore-texlive.status");
    const cut = texlive.subarray(0, Math.floor(texlive.length / 2));
    const packages = analyze(cut).packages ?? [];
    expect(packages.length).toBeGreaterThan(100);
    expect(packages.length).toBeLessThan(357);
    for (const p of packages) expect(p.version).toMatch(/^\S+$/);
    // Truncated right after a Package line: that stanza has no Version and is skipped with a warning.
    const text = texlive.toString("utf8");
    const at = text.indexOf("\nPackage: ", text.length / 2);
    const result = analyze(text.slice(0, text.indexOf("\n", at + 1)));
    expect(result.warnings?.some((w) => w.includes("no Version"))).toBe(true);
  });

  it("reads CRLF line endings like LF", () => {
    const crlf = Buffer.from(ubuntu.toString("utf8").replace(/\n/g, "\r\n"));
    expect(analyze(crlf).packages).toEqual(ubuntuPackages);
  });

  it("reads a last stanza without a trailing newline, and whitespace-only separators", () => {
    const text = `${stanza({ Package: "a", ...base })} \t\n${stanza({ Package: "b", ...base }).trimEnd()}`;
    expect(analyze(text).packages?.map((p) => p.name)).toEqual(["a", "b"]);
  });

  it("ignores a byte-order mark", () => {
    expect(analyze(`\uFEFF${stanza({ Package: "a", ...base })}`).packages?.map((p) => p.name)).toEqual(["a"]);
  });

  it("matches field names case-insensitively and ignores continuation lines", () => {
    const text = "package: a\nversion: 2\nDescription: x\n Version: 9\n .\nmaintainer: m\n";
    expect(analyze(text).packages).toEqual([
      { ecosystem: "deb", name: "a", version: "2", source: { name: "a", version: "2" }, maintainer: "m" },
    ]);
  });

  it("counts malformed lines in one warning", () => {
    const result = analyze(`${stanza({ Package: "a", ...base })}garbage line\n\u0000\u0001\n`);
    expect(result.packages).toHaveLength(1);
    expect(result.warnings).toEqual(["2 malformed line(s) ignored"]);
  });

  it("caps the number of warnings", () => {
    const text = Array.from({ length: 100 }, (_, i) => `Package: p${i}\n`).join("\n");
    const result = analyze(text);
    expect(result.warnings).toHaveLength(21);
    expect(result.warnings?.[20]).toBe("80 more warning(s) not shown");
  });
});

describe("dpkgAnalyzer.required", () => {
  it.each([
    "var/lib/dpkg/status",
    "var/lib/dpkg/status.d/libc6",
    "var/lib/dpkg/status.d/base",
    "var/lib/dpkg/status.d/libssl3",
  ])("wants %s", (path) => {
    expect(dpkgAnalyzer.required(path, 1000)).toBe(true);
  });

  it.each([
    "var/lib/dpkg/status-old",
    "var/lib/dpkg/status.d/foo.md5sums",
    "var/lib/dpkg/status.d/",
    "var/lib/dpkg/status.d",
    "var/lib/dpkg/status.d/sub/dir",
    "var/lib/dpkg/available",
    "var/lib/dpkg/info/libc6:amd64.list",
    "/var/lib/dpkg/status",
    "usr/var/lib/dpkg/status",
    "var/lib/dpkg/statusx",
  ])("ignores %s", (path) => {
    expect(dpkgAnalyzer.required(path, 1000)).toBe(false);
  });
});
