import { copyFile, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOnBytes, runOnRandomAccess } from "../../../lib/analyzers/binary/byte-parser.js";
import { parseExecutable } from "../../../lib/analyzers/binary/parse-executable.js";
import { goBinaryAnalyzer } from "../../../lib/analyzers/golang/go-binary-analyzer.js";
import type { GoBuildInfo, GoModule } from "../../../lib/analyzers/golang/go-build-info.js";
import { readGoBuildInfo } from "../../../lib/analyzers/golang/read-go-build-info.js";
import { withFileRandomAccess } from "../../../lib/analyzers/random-access.js";
import { buildElf, PF_R, SHF_ALLOC, SHF_WRITE } from "../../helpers/elf-builder.js";
import {
  framedModInfo,
  inlineBuildInfo,
  pointerBuildInfoHeader,
  stringHeaders,
} from "./go-build-info-blob.js";
import { GoFixtures, type GoTarget, parseVersionM } from "./go-fixtures.js";

/**
 * Real Go binaries, built here with the system's Go (offline, vendored), each parsed by us and
 * compared line by line with what `go version -m` prints for the same file.
 */
const TARGETS: GoTarget[] = ["native", "stripped", "arm64-trimpath", "mips", "windows", "darwin"];
let fx: GoFixtures;
const bins = {} as Record<GoTarget, string>;

beforeAll(async () => {
  fx = await GoFixtures.create();
  // Two builds at a time suit the 2-core machine; cross builds compile the runtime once each.
  const queue = [...TARGETS];
  const worker = async () => {
    for (let t = queue.shift(); t; t = queue.shift()) bins[t] = await fx.build(t);
  };
  await Promise.all([worker(), worker()]);
  const ms = Object.entries(fx.timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}s`);
  console.log(`Go builds (${await fx.goVersion()}): ${ms.join(", ")}`);
}, 600_000);

afterAll(async () => {
  await fx?.cleanup();
});

/** Our build info rendered as `go version -m` lines (runtime/debug.BuildInfo.String, tab-stripped). */
function renderLikeGo(info: GoBuildInfo): string[] {
  const lines: string[] = [];
  if (info.path) lines.push(`path\t${info.path}`);
  const mod = (word: string, m: GoModule) => {
    if (m.replace) {
      lines.push(`${word}\t${m.path}\t${m.version}`);
      mod("=>", m.replace);
    } else lines.push(`${word}\t${m.path}\t${m.version}\t${m.sum}`);
  };
  if (info.main) mod("mod", info.main);
  for (const d of info.deps) mod("dep", d);
  const quote = (s: string, re: RegExp) => (re.test(s) ? JSON.stringify(s) : s);
  for (const s of info.settings) {
    lines.push(
      `build\t${s.key === "" ? '""' : quote(s.key, /[= \t\r\n"`]/)}=${quote(s.value, /[ \t\r\n"`]/)}`,
    );
  }
  return lines;
}

async function scanBytes(file: string) {
  const bytes = await readFile(file);
  return runOnBytes(readGoBuildInfo(bytes.length), bytes);
}

describe("Go build info equals `go version -m`", () => {
  it.each(TARGETS)("%s", async (target) => {
    const bin = bins[target];
    const oracle = parseVersionM(bin, await fx.versionM(bin));
    const scan = await scanBytes(bin);
    expect(scan.warnings).toEqual([]);
    expect(scan.info?.goVersion).toBe(oracle.goVersion);
    expect(renderLikeGo(scan.info as GoBuildInfo)).toEqual(oracle.lines);
    // Reading the file piecewise gives the same answer as reading the bytes.
    const fromFile = await withFileRandomAccess(bin, (ra) => runOnRandomAccess(readGoBuildInfo(ra.size), ra));
    expect(fromFile).toEqual(scan);
  });

  it("covers ELF64 LE, ELF64 LE arm64, ELF32 BE, PE32+ and Mach-O 64", async () => {
    const kinds: Record<string, string> = {};
    for (const t of TARGETS) {
      const bytes = await readFile(bins[t]);
      const exe = runOnBytes(parseExecutable(bytes.length), bytes);
      kinds[t] = `${exe?.format}${exe?.bits}${exe?.littleEndian ? "le" : "be"}`;
    }
    expect(kinds).toEqual({
      native: expect.stringMatching(/^elf64le$/),
      stripped: "elf64le",
      "arm64-trimpath": "elf64le",
      mips: "elf32be",
      windows: "pe64le",
      darwin: "macho64le",
    });
  });

  it("reads the build settings of -trimpath and -ldflags builds, quoting undone", async () => {
    const trimmed = (await scanBytes(bins["arm64-trimpath"])).info?.settings;
    expect(trimmed).toContainEqual({ key: "-trimpath", value: "true" });
    expect(trimmed).toContainEqual({ key: "GOARCH", value: "arm64" });
    const stripped = (await scanBytes(bins.stripped)).info?.settings;
    expect(stripped).toContainEqual({ key: "-ldflags", value: "-s -w" });
  });
});

describe("goBinaryAnalyzer", () => {
  it("reports stdlib, the fork that replaced a module, and versioned dependencies", async () => {
    const goVersion = (await fx.goVersion()).replace(/^go/, "");
    const result = goBinaryAnalyzer.analyze({
      path: "usr/local/bin/app",
      bytes: await readFile(bins.native),
    });
    const sums = await goSums();
    expect(result).toEqual({
      packages: [
        { ecosystem: "golang", name: "stdlib", version: goVersion },
        {
          ecosystem: "golang",
          name: "example.com/portcullis/colour-fork",
          version: "1.5.0",
          checksum: sums["example.com/portcullis/colour-fork v1.5.0"],
          source: { name: "example.com/portcullis/colour", version: "1.4.0" },
        },
        // example.com/portcullis/greet is replaced by ../greet, "(devel)": nothing to match.
        {
          ecosystem: "golang",
          name: "example.com/portcullis/pseudo",
          version: "0.0.0-20240102030405-0123456789ab",
          checksum: sums["example.com/portcullis/pseudo v0.0.0-20240102030405-0123456789ab"],
        },
        {
          ecosystem: "golang",
          name: "example.com/portcullis/shout",
          version: "0.3.1",
          checksum: sums["example.com/portcullis/shout v0.3.1"],
        },
      ],
    });
    // The main module is "(devel)" (plain go build): left out without a warning.
    expect(result.warnings).toBeUndefined();
  });

  it("gives the same packages for every target, from bytes and from a spilled file", async () => {
    const reference = goBinaryAnalyzer.analyze({ path: "a", bytes: await readFile(bins.native) });
    for (const t of TARGETS) {
      const bin = bins[t];
      const size = (await stat(bin)).size;
      const fromFile = await goBinaryAnalyzer.analyzeFile?.({ path: "a", file: bin, size, mode: 0o755 });
      expect(fromFile, t).toEqual(reference);
      expect(goBinaryAnalyzer.analyze({ path: "a", bytes: await readFile(bin) }), t).toEqual(reference);
    }
  });

  it("finds build info in a binary without section headers, through the writable segment", async () => {
    const bytes = Buffer.from(await readFile(bins.native));
    bytes.writeBigUInt64LE(0n, 40); // e_shoff
    bytes.writeUInt16LE(0, 60); // e_shnum
    bytes.writeUInt16LE(0, 62); // e_shstrndx
    const exe = runOnBytes(parseExecutable(bytes.length), bytes);
    expect(exe?.sections).toEqual([]);
    const result = goBinaryAnalyzer.analyze({ path: "a", bytes });
    const reference = goBinaryAnalyzer.analyze({ path: "a", bytes: await readFile(bins.native) });
    expect(result).toEqual(reference);
  });

  it("returns nothing for binaries that are not Go, reading little of a big one", async () => {
    const ls = await readFile("/bin/ls");
    expect(goBinaryAnalyzer.analyze({ path: "bin/ls", bytes: ls })).toEqual({});
    // node itself: tens of MB, handed over as a spilled file.
    const size = (await stat(process.execPath)).size;
    const started = performance.now();
    const result = await goBinaryAnalyzer.analyzeFile?.({
      path: "usr/bin/node",
      file: process.execPath,
      size,
    });
    expect(result).toEqual({});
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("returns nothing for scripts, text and empty files, after looking at the magic only", () => {
    for (const text of ["#!/bin/sh\necho hi\n", "", "MZ", "\x7fEL", "plain text ".repeat(200)]) {
      expect(goBinaryAnalyzer.analyze({ path: "usr/bin/x", bytes: Buffer.from(text, "latin1") })).toEqual({});
    }
  });

  it("does not load a spilled binary whole", async () => {
    // A copy named like a spill file, read through analyzeFile: the reads stay far below its size.
    const copy = join(fx.root, "spill-copy");
    await copyFile(bins.native, copy);
    const size = (await stat(copy)).size;
    let read = 0;
    const scan = await withFileRandomAccess(copy, (ra) =>
      runOnRandomAccess(readGoBuildInfo(size), {
        size: ra.size,
        read: async (offset, length) => {
          const bytes = await ra.read(offset, length);
          read += bytes.length;
          return bytes;
        },
      }),
    );
    expect(scan.info).toBeDefined();
    expect(read).toBeLessThan(size / 10);
  });
});

describe("damaged real Go binaries", () => {
  it.each(["native", "mips", "windows", "darwin"] as const)(
    "%s cut at 60 places: no throw, all or nothing",
    async (t) => {
      const bytes = await readFile(bins[t]);
      const full = JSON.stringify(goBinaryAnalyzer.analyze({ path: "a", bytes }).packages);
      for (let i = 0; i < 60; i++) {
        const cut = Math.floor((bytes.length * i) / 60) + (i % 7);
        const result = goBinaryAnalyzer.analyze({ path: "a", bytes: bytes.subarray(0, cut) });
        if (result.packages) expect(JSON.stringify(result.packages)).toBe(full);
      }
    },
  );
});

describe("Go build info layouts before Go 1.18 (pointer-indirected strings)", () => {
  const modText =
    "path\texample.com/old/cmd/tool\nmod\texample.com/old\tv1.0.0\th1:main=\n" +
    "dep\tgolang.org/x/text\tv0.3.0\th1:text=\n=>\tgolang.org/x/text\tv0.3.7\th1:patched=\n";
  const modinfo = framedModInfo(modText);
  const version = Buffer.from("go1.16.15");

  for (const [bits, bigEndian] of [
    [64, false],
    [32, true],
  ] as const) {
    it(`resolves virtual addresses through PT_LOAD segments (ELF${bits} ${bigEndian ? "BE" : "LE"})`, () => {
      const ptrSize = bits === 64 ? 8 : 4;
      const data = 0x510000;
      const rodata = 0x520000;
      const elf = buildElf({
        bits,
        littleEndian: !bigEndian,
        loadSegments: true,
        sections: [
          {
            name: ".go.buildinfo",
            addr: 0x500000,
            flags: SHF_ALLOC | SHF_WRITE,
            data: pointerBuildInfoHeader(ptrSize, bigEndian, data, data + 2 * ptrSize),
          },
          {
            name: ".data",
            addr: data,
            flags: SHF_ALLOC | SHF_WRITE,
            data: stringHeaders(
              [
                [rodata, version.length],
                [rodata + 0x100, modinfo.length],
              ],
              ptrSize,
              bigEndian,
            ),
          },
          {
            name: ".rodata",
            addr: rodata,
            segmentFlags: PF_R,
            data: Buffer.concat([version, Buffer.alloc(0x100 - version.length), modinfo]),
          },
        ],
      });
      const scan = runOnBytes(readGoBuildInfo(elf.bytes.length), elf.bytes);
      expect(scan).toEqual({
        info: {
          goVersion: "go1.16.15",
          path: "example.com/old/cmd/tool",
          main: { path: "example.com/old", version: "v1.0.0", sum: "h1:main=" },
          deps: [
            {
              path: "golang.org/x/text",
              version: "v0.3.0",
              sum: "h1:text=",
              replace: { path: "golang.org/x/text", version: "v0.3.7", sum: "h1:patched=" },
            },
          ],
          settings: [],
        },
        warnings: [],
      });
      expect(goBinaryAnalyzer.analyze({ path: "a", bytes: elf.bytes }).packages).toEqual([
        { ecosystem: "golang", name: "stdlib", version: "1.16.15" },
        { ecosystem: "golang", name: "example.com/old", version: "1.0.0", checksum: "h1:main=" },
        {
          ecosystem: "golang",
          name: "golang.org/x/text",
          version: "0.3.7",
          checksum: "h1:patched=",
          source: { name: "golang.org/x/text", version: "0.3.0" },
        },
      ]);
    });
  }

  it("treats module text without sentinels as no modules (as Go does)", () => {
    const elf = buildElf({
      sections: [{ name: ".go.buildinfo", data: inlineBuildInfo("go1.20.1", Buffer.from("path\tx\n")) }],
    });
    expect(runOnBytes(readGoBuildInfo(elf.bytes.length), elf.bytes).info).toEqual({
      goVersion: "go1.20.1",
      deps: [],
      settings: [],
    });
  });

  it("ignores the magic when it is not 16-byte aligned", () => {
    const blob = Buffer.concat([Buffer.alloc(8), inlineBuildInfo("go1.21.0", framedModInfo("path\tx\n"))]);
    const elf = buildElf({ sections: [{ name: ".go.buildinfo", data: blob }] });
    expect(runOnBytes(readGoBuildInfo(elf.bytes.length), elf.bytes)).toEqual({ warnings: [] });
  });
});

async function goSums(): Promise<Record<string, string>> {
  const text = await readFile(join(fx.appDir, "go.sum"), "utf8");
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const [path, version, sum] = line.split(" ");
    if (path && version && sum && !version.endsWith("/go.mod")) out[`${path} ${version}`] = sum;
  }
  return out;
}
