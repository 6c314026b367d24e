import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pythonAnalyzer } from "../../../lib/analyzers/python/python-analyzer.js";
import type { AnalyzerResult, PackageFinding } from "../../../lib/analyzers/types.js";
import { buildZip, deflatedZeros } from "../../helpers/zip-builder.js";
import { fixturePath, junkBytes, readFixture } from "../fixtures.js";

const SITE = "usr/lib/python3/dist-packages";

/** Every Debian fixture, by its path in the image, with exactly what it must yield. */
const PYTHON_FIXTURES: Record<string, PackageFinding> = {
  [`${SITE}/requests-2.28.1.egg-info/PKG-INFO`]: {
    ecosystem: "pypi",
    name: "requests",
    version: "2.28.1",
    licenses: ["Apache 2.0"],
  },
  [`${SITE}/urllib3-1.26.12.egg-info/PKG-INFO`]: {
    ecosystem: "pypi",
    name: "urllib3",
    version: "1.26.12",
    licenses: ["MIT"],
  },
  [`${SITE}/six-1.16.0.egg-info/PKG-INFO`]: {
    ecosystem: "pypi",
    name: "six",
    version: "1.16.0",
    licenses: ["MIT"],
  },
  [`${SITE}/python_apt-2.6.0.egg-info/PKG-INFO`]: {
    ecosystem: "pypi",
    name: "python-apt",
    version: "2.6.0",
    licenses: ["GNU GPL"],
  },
  [`${SITE}/dbus_python-1.3.2.egg-info/PKG-INFO`]: {
    ecosystem: "pypi",
    name: "dbus-python",
    version: "1.3.2",
    licenses: ["Expat (MIT/X11)"],
  },
  [`${SITE}/pip-23.0.1.dist-info/METADATA`]: {
    ecosystem: "pypi",
    name: "pip",
    version: "23.0.1",
    licenses: ["MIT"],
  },
  [`${SITE}/pycairo-1.20.1.egg-info`]: {
    ecosystem: "pypi",
    name: "pycairo",
    version: "1.20.1",
    licenses: ["LGPL-2.1-only OR MPL-1.1"],
  },
  [`${SITE}/selinux-3.4.egg-info`]: { ecosystem: "pypi", name: "selinux", version: "3.4" },
};

const EGG = "six-1.16.0-py3.11.egg";

function analyze(path: string, bytes: Buffer): AnalyzerResult {
  return pythonAnalyzer.analyze({ path, bytes });
}

describe("pythonAnalyzer", () => {
  it("requires metadata files by path, size-capped, and eggs", () => {
    const yes = [
      `${SITE}/pip-23.0.1.dist-info/METADATA`,
      `${SITE}/six-1.16.0.egg-info/PKG-INFO`,
      `${SITE}/pycairo-1.20.1.egg-info`,
      "usr/local/lib/python3.11/site-packages/six-1.16.0-py3.11.egg",
      "usr/local/lib/python3.11/site-packages/six-1.16.0-py3.11.egg/EGG-INFO/PKG-INFO",
    ];
    for (const path of yes) expect(pythonAnalyzer.required(path, 4000), path).toBe(true);
    const no = [
      `${SITE}/pip-23.0.1.dist-info/RECORD`,
      `${SITE}/pip-23.0.1.dist-info/METADATA.bak`,
      `${SITE}/six-1.16.0.egg-info/top_level.txt`,
      `${SITE}/six.py`,
      "usr/share/doc/METADATA",
    ];
    for (const path of no) expect(pythonAnalyzer.required(path, 4000), path).toBe(false);
    expect(pythonAnalyzer.required(`${SITE}/x-1.egg-info`, 9 * 1024 * 1024)).toBe(false);
    expect(pythonAnalyzer.required("x-1.egg", 10)).toBe(false);
    expect(pythonAnalyzer.required(`${SITE}/six-1.16.0.egg-info`, 0)).toBe(false);
    expect(pythonAnalyzer.required(`${SITE}/six-1.16.0.egg-info/PKG-INFO`, 0)).toBe(true);
  });

  for (const [path, expected] of Object.entries(PYTHON_FIXTURES)) {
    it(`reads ${path.slice(SITE.length + 1)}`, () => {
      expect(analyze(path, readFixture("python", "debian", path))).toEqual({ packages: [expected] });
    });
  }

  it("reads a zipped egg from bytes and from a spilled file alike", async () => {
    const path = `usr/local/lib/python3.11/site-packages/${EGG}`;
    const expected = { packages: [{ ecosystem: "pypi", name: "six", version: "1.16.0", licenses: ["MIT"] }] };
    expect(analyze(path, readFixture("python", "eggs", EGG))).toEqual(expected);
    const analyzeFile = pythonAnalyzer.analyzeFile;
    if (!analyzeFile) throw new Error("pythonAnalyzer reads spilled eggs");
    expect(await analyzeFile({ path, file: fixturePath("python", "eggs", EGG), size: 0 })).toEqual(expected);
  });

  it("reads spilled metadata files too", async () => {
    const dir = await mkdtemp(join(tmpdir(), "python-analyzer-"));
    try {
      const file = join(dir, "m");
      await writeFile(file, "Name: big\nVersion: 1\n\n");
      expect(
        await pythonAnalyzer.analyzeFile?.({ path: "a/big-1.dist-info/METADATA", file, size: 22 }),
      ).toEqual({
        packages: [{ ecosystem: "pypi", name: "big", version: "1" }],
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("turns invalid metadata and broken eggs into warnings", () => {
    const metadata = analyze("a/x-1.dist-info/METADATA", junkBytes(10_000));
    expect(metadata.packages).toEqual([]);
    expect(metadata.warnings).toContain("no Name field");
    expect(analyze("a/x-1.egg-info", Buffer.alloc(0))).toEqual({
      packages: [],
      warnings: ["no Name field", "no Version field"],
    });
    const egg = readFixture("python", "eggs", EGG);
    const broken: Array<[Buffer, RegExp]> = [
      [egg.subarray(0, egg.length - 10), /end of central directory/],
      [junkBytes(5000), /end of central directory/],
      [buildZip([{ name: "EGG-INFO/top_level.txt", data: "six\n" }]), /no EGG-INFO\/PKG-INFO/],
      [
        buildZip([{ name: "EGG-INFO/PKG-INFO", deflated: deflatedZeros(16 * 1024 * 1024) }]),
        /exceeds the cap/,
      ],
      [buildZip([{ name: "EGG-INFO/PKG-INFO", data: "Name: a\n", lie: { crc32: 3 } }]), /CRC-32/],
    ];
    for (const [bytes, message] of broken) {
      const result = analyze("a/x-1.egg", bytes);
      expect(result.packages).toEqual([]);
      expect(result.warnings?.[0]).toMatch(message);
    }
  });
});
