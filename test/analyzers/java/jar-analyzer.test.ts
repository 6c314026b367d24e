import { describe, expect, it } from "vitest";
import { DEFAULT_ZIP_LIMITS } from "../../../lib/analyzers/archive/zip-limits.js";
import { runSync } from "../../../lib/analyzers/archive/zip-ops.js";
import { jarAnalyzer } from "../../../lib/analyzers/java/jar-analyzer.js";
import { scanJavaArchive } from "../../../lib/analyzers/java/scan-java-archive.js";
import { BufferRandomAccess } from "../../../lib/analyzers/random-access.js";
import type { AnalyzerResult } from "../../../lib/analyzers/types.js";
import { buildZip, deflatedZeros, type ZipSpecEntry } from "../../helpers/zip-builder.js";
import { fixturePath, junkBytes, readFixture } from "../fixtures.js";

const ids = (result: AnalyzerResult) => (result.packages ?? []).map((p) => `${p.name}@${p.version}`).sort();

const EXPECTED: Record<string, string[]> = {
  "commons-lang3-3.12.0.jar": ["org.apache.commons:commons-lang3@3.12.0"],
  "slf4j-api-1.7.32.jar": ["org.slf4j:slf4j-api@1.7.32"],
  "log4j-api-2.19.0.jar": ["org.apache.logging.log4j:log4j-api@2.19.0"],
  "log4j-core-2.19.0.jar": ["org.apache.logging.log4j:log4j-core@2.19.0"],
  "shaded.jar": ["org.slf4j:jul-to-slf4j@1.7.32", "org.slf4j:slf4j-api@1.7.32"],
  "webapp-1.0.war": ["org.apache.commons:commons-lang3@3.12.0", "org.slf4j:slf4j-api@1.7.32", "webapp@1.0"],
  "demo-0.0.1-SNAPSHOT.jar": [
    "com.example:demo@0.0.1-SNAPSHOT",
    "org.apache.logging.log4j:log4j-api@2.19.0",
    "org.apache.logging.log4j:log4j-core@2.19.0",
  ],
  "app-1.0.ear": [
    "app@1.0",
    "org.apache.commons:commons-lang3@3.12.0",
    "org.slf4j:slf4j-api@1.7.32",
    "webapp@1.0",
  ],
  "commons-lang3.jar": ["org.apache.commons:commons-lang3@3.12.0"],
  "jul-to-slf4j-1.7.32.jar": ["jul-to-slf4j@1.7.32"],
};

function analyze(path: string, bytes: Buffer): AnalyzerResult {
  return jarAnalyzer.analyze({ path, bytes });
}

/** A jar holding one pom.properties and, optionally, more entries. */
function jar(artifactId: string, extra: ZipSpecEntry[] = []): Buffer {
  return buildZip([
    {
      name: `META-INF/maven/org.test/${artifactId}/pom.properties`,
      data: `groupId=org.test\nartifactId=${artifactId}\nversion=1.0\n`,
    },
    ...extra,
  ]);
}

describe("jarAnalyzer", () => {
  it("requires Java archives by extension, any case, not empty ones", () => {
    expect(jarAnalyzer.required("usr/share/java/commons-lang3-3.12.0.jar", 1000)).toBe(true);
    expect(jarAnalyzer.required("app/ROOT.WAR", 1000)).toBe(true);
    expect(jarAnalyzer.required("var/jenkins_home/plugins/git.jpi", 1000)).toBe(true);
    expect(jarAnalyzer.required("app/empty.jar", 0)).toBe(false);
    expect(jarAnalyzer.required("usr/share/java/README", 1000)).toBe(false);
    expect(jarAnalyzer.spillAbove).toBe(16 * 1024 * 1024);
    expect(jarAnalyzer.maxFileSize).toBe(512 * 1024 * 1024);
  });

  for (const [file, expected] of Object.entries(EXPECTED)) {
    it(`finds exactly the artifacts of ${file}, from bytes and from a spilled file alike`, async () => {
      const fromBytes = analyze(`opt/app/${file}`, readFixture("java", file));
      expect(ids(fromBytes)).toEqual(expected);
      expect(fromBytes.warnings).toBeUndefined();
      for (const pkg of fromBytes.packages ?? []) expect(pkg.ecosystem).toBe("maven");
      const analyzeFile = jarAnalyzer.analyzeFile;
      if (!analyzeFile) throw new Error("jarAnalyzer reads spilled files");
      const fromFile = await analyzeFile({
        path: `opt/app/${file}`,
        file: fixturePath("java", file),
        size: fromBytes.packages?.length ?? 0,
      });
      expect(fromFile).toEqual(fromBytes);
    });
  }

  it("reads a fully executable Spring Boot jar (launch script prepended)", () => {
    const script = Buffer.from(
      `#!/bin/bash\n# launch script\nexec java -jar "$0" "$@"\n${"#".repeat(9000)}\n`,
    );
    const bytes = Buffer.concat([script, readFixture("java", "demo-0.0.1-SNAPSHOT.jar")]);
    expect(ids(analyze("opt/demo.jar", bytes))).toEqual(EXPECTED["demo-0.0.1-SNAPSHOT.jar"]);
  });

  it("reads at most 10,000 pom.properties per file", () => {
    const poms = Array.from({ length: 10_005 }, (_, i) => ({
      name: `META-INF/maven/g/a${i}/pom.properties`,
      data: `groupId=g\nartifactId=a${i}\nversion=1\n`,
      method: "store" as const,
    }));
    const result = analyze("uber.jar", buildZip(poms));
    expect(result.packages).toHaveLength(10_000);
    expect(result.warnings).toEqual(["5 pom.properties beyond the first 10000 not read"]);
  });

  it("reads nested archives to the depth cap, then warns once", () => {
    let bytes = jar("a6");
    for (let depth = 5; depth >= 0; depth--) {
      bytes = jar(`a${depth}`, [
        { name: `lib/a${depth + 1}-1.0.jar`, data: bytes, method: depth % 2 ? "store" : "deflate" },
      ]);
    }
    const result = analyze("deep.jar", bytes);
    expect(ids(result)).toEqual(["a0", "a1", "a2", "a3", "a4"].map((a) => `org.test:${a}@1.0`));
    expect(result.warnings).toEqual([
      "lib/a1-1.0.jar!/lib/a2-1.0.jar!/lib/a3-1.0.jar!/lib/a4-1.0.jar!/lib/a5-1.0.jar: archives nested deeper than 4 levels are not read",
    ]);
  });

  it("keeps what it found when a nested archive is a classic zip bomb", () => {
    const started = performance.now();
    const bytes = jar("outer", [
      { name: "WEB-INF/lib/bomb-1.0.jar", deflated: deflatedZeros(32 * 1024 * 1024) },
      { name: "WEB-INF/lib/good-1.0.jar", data: jar("good") },
    ]);
    const result = analyze("app.war", bytes);
    expect(ids(result)).toEqual(["org.test:good@1.0", "org.test:outer@1.0"]);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings?.[0]).toMatch(/^WEB-INF\/lib\/bomb-1\.0\.jar: .*zip bomb/);
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it("stops at a bomb that lies about its size, and at overlapping entries", () => {
    const liar = jar("outer", [
      { name: "lib/liar-1.0.jar", deflated: { ...deflatedZeros(8 * 1024 * 1024), size: 50_000 } },
    ]);
    const result = analyze("a.jar", liar);
    expect(ids(result)).toEqual(["org.test:outer@1.0"]);
    expect(result.warnings?.[0]).toMatch(/inflates past the 50000 bytes/);

    const kernel = deflatedZeros(1024 * 1024);
    const overlapping = buildZip([
      { name: "lib/k.jar", deflated: kernel },
      ...Array.from({ length: 20 }, (_, i) => ({
        name: `lib/k${i}.jar`,
        deflated: kernel,
        centralOnly: true,
        lie: { localHeaderOffset: 0 },
      })),
    ]);
    const bomb = analyze("b.jar", overlapping);
    expect(bomb.packages).toEqual([]);
    expect(bomb.warnings?.[0]).toMatch(/overlap/);
  });

  it("turns corrupt archives into warnings, never exceptions", () => {
    const good = readFixture("java", "webapp-1.0.war");
    const cases: Array<[string, Buffer]> = [
      ["truncated", good.subarray(0, good.length - 40)],
      ["half", good.subarray(0, Math.floor(good.length / 2))],
      ["junk", junkBytes(200_000)],
      ["end record outside", buildZip([{ name: "a", data: "a" }], { end: { cdOffset: 0x7fff0000 } })],
      ["absurd sizes", jar("x", [{ name: "lib/y.jar", data: "y", lie: { compressedSize: 0xfffffff0 } }])],
      ["too many entries", buildZip([{ name: "a", data: "a" }], { end: { entries: 0xffff } })],
    ];
    for (const [label, bytes] of cases) {
      const result = analyze(`${label}.jar`, bytes);
      expect(result.packages, label).toEqual([]);
      expect(result.warnings?.length, label).toBe(1);
    }
  });

  it("skips a corrupt nested archive or metadata entry and keeps the rest", () => {
    const result = analyze(
      "app-2.0.war",
      buildZip([
        { name: "META-INF/maven/org.test/bad/pom.properties", data: "version=1", lie: { crc32: 7 } },
        { name: "WEB-INF/lib/broken-1.0.jar", data: junkBytes(5000), method: "store" },
        { name: "WEB-INF/lib/ok-1.0.jar", data: jar("ok") },
      ]),
    );
    expect(ids(result)).toEqual(["app@2.0", "org.test:ok@1.0"]);
    expect(result.warnings).toEqual([
      'entry "META-INF/maven/org.test/bad/pom.properties" fails its CRC-32 check',
      "WEB-INF/lib/broken-1.0.jar: no end of central directory record: not a ZIP archive, or truncated",
    ]);
  });

  it("treats invalid UTF-8 entry names as plain strings, with a warning", () => {
    const result = analyze(
      "names-1.0.jar",
      buildZip([
        { name: Buffer.from([0x4d, 0xff, 0x2f, 0x78]), data: "x" },
        { name: "../../../etc/passwd", data: "root" },
      ]),
    );
    expect(ids(result)).toEqual(["names@1.0"]);
    expect(result.warnings).toEqual(["1 entry name(s) are not valid UTF-8"]);
  });

  it("stops when nested archives exhaust the file's inflation budget", () => {
    const lib = jar("lib", [{ name: "padding", data: junkBytes(100_000) }]);
    const many = buildZip(
      Array.from({ length: 30 }, (_, i) => ({
        name: `BOOT-INF/lib/l${i}.jar`,
        data: lib,
        method: "deflate" as const,
      })),
    );
    const limits = { ...DEFAULT_ZIP_LIMITS, maxTotalInflatedBytes: 1_000_000 };
    const result = runSync(scanJavaArchive("fat-1.0.jar", many.length, limits), new BufferRandomAccess(many));
    expect(ids(result)).toEqual(["fat@1.0", "org.test:lib@1.0"]);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings?.[0]).toMatch(/would pass the 1000000 byte cap/);
  });

  it("stops when a file holds too many nested archives", () => {
    const empty = buildZip([]);
    const many = buildZip(
      Array.from({ length: 50 }, (_, i) => ({ name: `l${i}.jar`, data: empty, method: "store" as const })),
    );
    const limits = { ...DEFAULT_ZIP_LIMITS, maxArchives: 20 };
    const result = runSync(scanJavaArchive("fat.jar", many.length, limits), new BufferRandomAccess(many));
    expect(result.warnings).toEqual(["more than 20 nested archives"]);
  });
});
