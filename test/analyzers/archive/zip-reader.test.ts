import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ZipError, ZipFormatError, ZipLimitError } from "../../../lib/analyzers/archive/zip-errors.js";
import { DEFAULT_ZIP_LIMITS, ZipBudget, type ZipLimits } from "../../../lib/analyzers/archive/zip-limits.js";
import { runAsync, runSync, within } from "../../../lib/analyzers/archive/zip-ops.js";
import {
  readZipDirectory,
  readZipEntry,
  type ZipDirectory,
  zipEntryDataOffset,
} from "../../../lib/analyzers/archive/zip-reader.js";
import { BufferRandomAccess, withFileRandomAccess } from "../../../lib/analyzers/random-access.js";
import { buildZip, deflatedZeros, type ZipSpecEntry } from "../../helpers/zip-builder.js";
import { junkBytes, readFixture } from "../fixtures.js";

function open(bytes: Buffer, limits: Partial<ZipLimits> = {}) {
  const budget = new ZipBudget({ ...DEFAULT_ZIP_LIMITS, ...limits });
  const source = new BufferRandomAccess(bytes);
  const dir = runSync(readZipDirectory(bytes.length, budget), source);
  const read = (name: string, max?: number): Buffer => {
    const entry = dir.entries.find((e) => e.name === name);
    if (!entry) throw new Error(`no entry ${name}`);
    return runSync(readZipEntry(dir, entry, budget, max), source);
  };
  return { dir, read, budget };
}

/** The ZipError an action throws, failing the test when it throws nothing or something else. */
function zipError(action: () => unknown): ZipError {
  try {
    action();
  } catch (err) {
    if (err instanceof ZipError) return err;
    throw err;
  }
  throw new Error("expected a ZipError");
}

function names(dir: ZipDirectory): string[] {
  return dir.entries.map((e) => e.name);
}

const pomPath = "META-INF/maven/org.apache.commons/commons-lang3/pom.properties";

describe("readZipDirectory / readZipEntry", () => {
  it("reads an archive made by Info-ZIP zip", () => {
    const { dir, read } = open(readFixture("java", "commons-lang3-3.12.0.jar"));
    expect(names(dir)).toEqual(["META-INF/MANIFEST.MF", pomPath]);
    expect(dir.entries[0]).toMatchObject({ method: 8, uncompressedSize: 1771, isDirectory: false });
    expect(read(pomPath).toString()).toBe(
      "artifactId=commons-lang3\ngroupId=org.apache.commons\nversion=3.12.0\n",
    );
    expect(read("META-INF/MANIFEST.MF").toString()).toContain("Implementation-Version: 3.12.0\r\n");
  });

  it("reads the same archive from a file, asynchronously", async () => {
    const dir = await mkdtemp(join(tmpdir(), "zip-reader-"));
    try {
      const file = join(dir, "a.jar");
      await writeFile(file, readFixture("java", "commons-lang3-3.12.0.jar"));
      const text = await withFileRandomAccess(file, async (source) => {
        const budget = new ZipBudget();
        const zip = await runAsync(readZipDirectory(source.size, budget), source);
        const entry = zip.entries.find((e) => e.name === pomPath);
        if (!entry) throw new Error("missing");
        return (await runAsync(readZipEntry(zip, entry, budget), source)).toString();
      });
      expect(text).toContain("version=3.12.0");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reads stored, deflated, empty and directory entries", () => {
    const zip = buildZip([
      { name: "dir/" },
      { name: "dir/stored.txt", data: "stored bytes", method: "store" },
      { name: "dir/deflated.txt", data: "deflated ".repeat(100) },
      { name: "empty", data: "" },
    ]);
    const { dir, read } = open(zip);
    expect(dir.entries.map((e) => [e.name, e.method, e.isDirectory])).toEqual([
      ["dir/", 0, true],
      ["dir/stored.txt", 0, false],
      ["dir/deflated.txt", 8, false],
      ["empty", 0, false],
    ]);
    expect(read("dir/stored.txt").toString()).toBe("stored bytes");
    expect(read("dir/deflated.txt").toString()).toBe("deflated ".repeat(100));
    expect(read("empty")).toHaveLength(0);
  });

  it("reads ZIP64 end records and extra fields", () => {
    const { dir, read } = open(
      buildZip(
        [
          { name: "a", data: "alpha" },
          { name: "b", data: "beta" },
        ],
        { zip64: true },
      ),
    );
    expect(names(dir)).toEqual(["a", "b"]);
    expect(read("b").toString()).toBe("beta");
  });

  it("finds the end record behind a long comment and the archive behind a launch script", () => {
    const prefix = Buffer.from('#!/bin/sh\nexec java -jar "$0" "$@"\n'.padEnd(5000, "#"));
    const zip = buildZip([{ name: "a", data: "alpha" }], { prefix, comment: "c".repeat(65_535) });
    const { dir, read } = open(zip);
    expect(dir.entries[0]?.localHeaderOffset).toBe(5000);
    expect(read("a").toString()).toBe("alpha");
    const zip64 = buildZip([{ name: "a", data: "alpha" }], { prefix, zip64: true });
    expect(open(zip64).read("a").toString()).toBe("alpha");
  });

  it("reads a stored archive inside an archive in place", () => {
    const inner = buildZip([{ name: "inner.txt", data: "nested" }]);
    const outer = buildZip([
      { name: "x", data: "x" },
      { name: "lib/inner.jar", data: inner, method: "store" },
    ]);
    const source = new BufferRandomAccess(outer);
    const budget = new ZipBudget();
    const dir = runSync(readZipDirectory(outer.length, budget), source);
    const entry = dir.entries[1];
    if (!entry) throw new Error("missing");
    const start = runSync(zipEntryDataOffset(dir, entry), source);
    const text = runSync(
      within(
        (function* () {
          const innerDir = yield* readZipDirectory(entry.compressedSize, budget);
          const innerEntry = innerDir.entries[0];
          if (!innerEntry) throw new Error("missing");
          return (yield* readZipEntry(innerDir, innerEntry, budget)).toString();
        })(),
        start,
      ),
      source,
    );
    expect(text).toBe("nested");
  });

  it("keeps entry names as plain strings, invalid UTF-8 and traversal alike", () => {
    const zip = buildZip([
      { name: Buffer.from([0x66, 0xff, 0xfe, 0x2e, 0x6a, 0x61, 0x72]), data: "x" },
      { name: "../../etc/passwd", data: "root" },
    ]);
    const { dir, read } = open(zip);
    expect(dir.invalidNames).toBe(1);
    expect(names(dir)).toEqual(["f\ufffd\ufffd.jar", "../../etc/passwd"]);
    expect(read("../../etc/passwd").toString()).toBe("root");
  });
});

describe("corrupt archives", () => {
  const good = buildZip([
    { name: "a.txt", data: "alpha ".repeat(50) },
    { name: "b.txt", data: "beta" },
  ]);

  it("rejects what is not a ZIP archive at all", () => {
    for (const bytes of [Buffer.alloc(0), Buffer.from("PK"), junkBytes(100_000), Buffer.alloc(70_000)]) {
      const err = zipError(() => open(bytes));
      expect(err).toBeInstanceOf(ZipFormatError);
      expect(err.scope).toBe("archive");
    }
  });

  it("rejects a truncated archive", () => {
    for (const cut of [good.length - 1, good.length - 30, Math.floor(good.length / 2), 10]) {
      expect(zipError(() => open(good.subarray(0, cut)))).toBeInstanceOf(ZipFormatError);
    }
  });

  it("rejects an end record pointing outside the file", () => {
    for (const end of [{ cdOffset: 0xfffff000 }, { cdSize: 0xfffff000 }, { cdOffset: 1 }, { entries: 500 }]) {
      const err = zipError(() => open(buildZip([{ name: "a", data: "a" }], { end })));
      expect(err).toBeInstanceOf(ZipFormatError);
      expect(err.scope).toBe("archive");
    }
  });

  it("rejects a central directory entry with absurd sizes or offsets", () => {
    const lies: ZipSpecEntry["lie"][] = [
      { compressedSize: 0xfffffff0 },
      { localHeaderOffset: 0x7ffffff0 },
      { compressedSize: 0xfffffffe, uncompressedSize: 0xfffffffe },
    ];
    for (const lie of lies) {
      const err = zipError(() => open(buildZip([{ name: "a", data: "alpha", lie }])));
      expect(err.scope).toBe("archive");
    }
  });

  it("skips one entry whose data is corrupt, lies about its size or checksum", () => {
    const zip = buildZip([
      { name: "crc", data: "alpha", lie: { crc32: 1 } },
      { name: "short", data: "alpha ".repeat(20), lie: { uncompressedSize: 500 } },
      { name: "method", data: "alpha", lie: { method: 12 } },
      { name: "locked", data: "alpha", lie: { flags: 1 } },
      { name: "small-cap", data: "x".repeat(2000) },
      { name: "ok", data: "fine" },
    ]);
    const { read } = open(zip);
    for (const name of ["crc", "short", "method", "locked"]) {
      const err = zipError(() => read(name));
      expect(err).toBeInstanceOf(ZipFormatError);
      expect(err.scope).toBe("entry");
    }
    const capped = zipError(() => read("small-cap", 1000));
    expect(capped).toBeInstanceOf(ZipLimitError);
    expect(capped.scope).toBe("entry");
    expect(read("ok").toString()).toBe("fine");
  });

  it("stops a classic bomb (highly compressed zeros) on its ratio, before inflating", () => {
    const zeros = deflatedZeros(32 * 1024 * 1024);
    const { read } = open(buildZip([{ name: "zeros.jar", deflated: zeros }]));
    const started = performance.now();
    const err = zipError(() => read("zeros.jar"));
    expect(err).toBeInstanceOf(ZipLimitError);
    expect(err.scope).toBe("archive");
    expect(err.message).toMatch(/zip bomb/);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it("stops a bomb that under-declares its size at the declared size", () => {
    const zeros = deflatedZeros(16 * 1024 * 1024);
    const { read } = open(buildZip([{ name: "liar", deflated: { ...zeros, size: 10_000 } }]));
    const err = zipError(() => read("liar"));
    expect(err).toBeInstanceOf(ZipLimitError);
    expect(err.message).toMatch(/inflates past the 10000 bytes/);
  });

  it("refuses overlapping entries (the 'better zip bomb' construction)", () => {
    const kernel = deflatedZeros(1024 * 1024);
    // Many central directory entries sharing one local header and its data.
    const shared = buildZip([
      { name: "kernel", deflated: kernel },
      ...Array.from({ length: 100 }, (_, i) => ({
        name: `copy${i}`,
        deflated: kernel,
        centralOnly: true,
        lie: { localHeaderOffset: 0 },
      })),
    ]);
    const err = zipError(() => open(shared));
    expect(err).toBeInstanceOf(ZipLimitError);
    expect(err.message).toMatch(/overlap/);
    // An entry whose data covers the next entry's header.
    const covering = buildZip([
      { name: "a", data: "alpha", lie: { compressedSize: 60 } },
      { name: "b", data: "beta ".repeat(20) },
    ]);
    expect(zipError(() => open(covering)).message).toMatch(/overlap/);
  });

  it("enforces the entry, directory and total caps", () => {
    const many = buildZip(Array.from({ length: 50 }, (_, i) => ({ name: `f${i}`, data: "x" })));
    expect(zipError(() => open(many, { maxEntries: 10 }))).toBeInstanceOf(ZipLimitError);
    expect(zipError(() => open(many, { maxCentralDirectoryBytes: 1000 }))).toBeInstanceOf(ZipLimitError);
    const total = zipError(() => open(many, { maxTotalEntries: 49 }));
    expect(total.scope).toBe("scan");
    const { read } = open(
      buildZip([
        { name: "a", data: "a".repeat(600) },
        { name: "b", data: "b".repeat(600) },
      ]),
      {
        maxTotalInflatedBytes: 1000,
      },
    );
    read("a");
    const err = zipError(() => read("b"));
    expect(err).toBeInstanceOf(ZipLimitError);
    expect(err.scope).toBe("scan");
  });
});
