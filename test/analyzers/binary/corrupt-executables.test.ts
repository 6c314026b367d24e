import { readFile } from "node:fs/promises";
import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { goBinaryAnalyzer } from "../../../lib/analyzers/golang/go-binary-analyzer.js";
import { rustBinaryAnalyzer } from "../../../lib/analyzers/rust/rust-binary-analyzer.js";
import type { Analyzer, AnalyzerResult } from "../../../lib/analyzers/types.js";
import { buildElf, SHF_ALLOC, SHF_WRITE, writer } from "../../helpers/elf-builder.js";
import {
  framedModInfo,
  inlineBuildInfo,
  pointerBuildInfoHeader,
  stringHeaders,
} from "../golang/go-build-info-blob.js";
import { buildMachO, buildPe, PE_HEADER_OFFSET } from "./executable-builders.js";

const ANALYZERS: Analyzer[] = [goBinaryAnalyzer, rustBinaryAnalyzer];
const AUDIT = deflateSync(
  JSON.stringify({ packages: [{ name: "serde", version: "1.0.200", source: "crates.io" }] }),
);
const MODINFO = framedModInfo("path\tx/cmd\nmod\tx\tv1.0.0\t\ndep\ty\tv0.1.0\th1:y=\n");

/** An ELF with both Go build info (in a writable PT_LOAD) and cargo-auditable data. */
function sample(bits: 32 | 64 = 64, littleEndian = true) {
  return buildElf({
    bits,
    littleEndian,
    loadSegments: true,
    sections: [
      { name: ".text", addr: 0x401000, data: Buffer.alloc(64, 0x90), segmentFlags: 5 },
      {
        name: ".go.buildinfo",
        addr: 0x500000,
        flags: SHF_ALLOC | SHF_WRITE,
        data: inlineBuildInfo("go1.21.5", MODINFO, bits / 8),
      },
      { name: ".dep-v0", data: AUDIT },
    ],
  });
}

/** Runs both analyzers; any throw fails the test, and each must finish quickly. */
function analyzeAll(bytes: Buffer): AnalyzerResult[] {
  return ANALYZERS.map((a) => {
    const started = performance.now();
    const result = a.analyze({ path: "usr/bin/x", bytes, mode: 0o755 });
    expect(performance.now() - started).toBeLessThan(500);
    return result;
  });
}

function warningsOf(results: AnalyzerResult[]): string[] {
  return results.flatMap((r) => r.warnings ?? []);
}

/** A deterministic PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("the sample itself", () => {
  it("yields Go and Rust packages", () => {
    const [go, rust] = analyzeAll(sample().bytes);
    expect(go?.packages?.map((p) => p.name)).toEqual(["stdlib", "x", "y"]);
    expect(rust).toEqual({ packages: [{ ecosystem: "cargo", name: "serde", version: "1.0.200" }] });
  });
});

describe("truncated executables", () => {
  for (const [bits, le] of [
    [64, true],
    [32, false],
  ] as const) {
    it(`ELF${bits} ${le ? "LE" : "BE"} cut at every byte: no throw, never a package that is not there`, () => {
      const { bytes } = sample(bits, le);
      const full = analyzeAll(bytes).map((r) => JSON.stringify(r.packages ?? []));
      for (let cut = 0; cut < bytes.length; cut++) {
        analyzeAll(bytes.subarray(0, cut)).forEach((r, i) => {
          // Either nothing, or exactly what the whole file holds (the section table is at the end).
          if (r.packages) expect([JSON.stringify(r.packages), "[]"]).toContain(full[i]);
        });
      }
    });
  }

  it("a real ELF (/bin/ls) cut at 300 places: no throw", async () => {
    const ls = await readFile("/bin/ls");
    for (let i = 0; i < 300; i++) {
      const cut = Math.floor((ls.length * i) / 300);
      for (const r of analyzeAll(ls.subarray(0, cut))) expect(r.packages ?? []).toEqual([]);
    }
  });
});

describe("damaged ELF headers", () => {
  it("a section header table beyond the end: warning, Go build info still found through segments", () => {
    const elf = sample();
    writer(elf.bytes, true, 64).word(40, elf.bytes.length + 100);
    const results = analyzeAll(elf.bytes);
    expect(warningsOf(results)).toContain("ELF: section header table extends beyond the end of the file");
    expect(results[0]?.packages?.map((p) => p.name)).toEqual(["stdlib", "x", "y"]);
    // .dep-v0 is not loaded: without section headers it cannot be found, and that is not an error.
    expect(results[1]).toEqual({});
  });

  it("section names outside the name table: warning, no throw", () => {
    const elf = sample();
    for (let i = 1; i <= 3; i++) elf.bytes.writeUInt32LE(0x7fffffff, elf.sectionHeaderOffset(i));
    const results = analyzeAll(elf.bytes);
    expect(warningsOf(results)).toContain("ELF: 3 section names point outside the name table");
    expect(results[0]?.packages?.length).toBe(3);
  });

  it("absurd counts and sizes become warnings", () => {
    const cases: Array<[string, (b: Buffer, elf: ReturnType<typeof sample>) => void, RegExp]> = [
      [
        "extended section count of 2^40",
        (b, elf) => {
          b.writeUInt16LE(0, 60);
          b.writeBigUInt64LE(2n ** 40n, elf.sectionHeaderOffset(0) + 32);
        },
        /sections is more than/,
      ],
      ["65535 program headers", (b) => b.writeUInt16LE(0xfffe, 56), /program header table extends beyond/],
      ["section header entries of 1 byte", (b) => b.writeUInt16LE(1, 58), /section header size 1 is smaller/],
      [
        "name table index out of range",
        (b) => b.writeUInt16LE(999, 62),
        /name table index 999 is out of range/,
      ],
      ["section table offset of 2^63", (b) => b.writeBigUInt64LE(2n ** 63n, 40), /extends beyond/],
      ["unknown ELF class", (b) => b.writeUInt8(9, 4), /unknown class 9/],
    ];
    for (const [label, damage, expected] of cases) {
      const elf = sample();
      damage(elf.bytes, elf);
      const warnings = warningsOf(analyzeAll(elf.bytes));
      expect(
        warnings.some((w) => expected.test(w)),
        `${label}: ${warnings.join("; ")}`,
      ).toBe(true);
    }
  });

  it("random damage to the headers and tables (2,000 mutations): no throw, no hang", async () => {
    const rand = prng(42);
    const bases = [sample().bytes, sample(32, false).bytes, await readFile("/bin/ls")];
    for (let i = 0; i < 2000; i++) {
      const base = bases[i % bases.length] as Buffer;
      const bytes = Buffer.from(base.subarray(0, Math.min(base.length, 1 << 20)));
      const edits = 1 + Math.floor(rand() * 8);
      for (let e = 0; e < edits; e++) {
        // Header, program headers and (for the samples) the tables at the end.
        const region = rand() < 0.5 ? 256 : bytes.length;
        bytes[Math.floor(rand() * Math.min(region, bytes.length))] = Math.floor(rand() * 256);
      }
      analyzeAll(bytes);
    }
  });

  it("random bytes behind each magic: no throw", () => {
    const rand = prng(7);
    const magics = [
      Buffer.from("\x7fELF\x02\x01", "latin1"),
      Buffer.from("MZ"),
      Buffer.from([0xcf, 0xfa, 0xed, 0xfe]),
    ];
    for (let i = 0; i < 600; i++) {
      const body = Buffer.from(
        Array.from({ length: 64 + Math.floor(rand() * 4096) }, () => Math.floor(rand() * 256)),
      );
      const magic = magics[i % magics.length] as Buffer;
      magic.copy(body, 0);
      if (i % 2 === 0) body.writeUInt32LE(0x40, 0x3c); // plausible e_lfanew for PE
      analyzeAll(body);
    }
  });
});

describe("damaged Go build info", () => {
  const goWarnings = (blob: Buffer, extra: Parameters<typeof buildElf>[0]["sections"] = []) => {
    const elf = buildElf({
      loadSegments: true,
      sections: [{ name: ".go.buildinfo", addr: 0x500000, data: blob }, ...extra],
    });
    const r = goBinaryAnalyzer.analyze({ path: "x", bytes: elf.bytes });
    expect(r.packages).toBeUndefined();
    return r.warnings ?? [];
  };

  it("a string length over the cap", () => {
    const blob = inlineBuildInfo("go1.21.0", MODINFO);
    blob.writeUInt8(0xff, 32);
    blob.writeUInt8(0xff, 33);
    blob.writeUInt8(0x7f, 34);
    expect(goWarnings(blob)).toEqual([expect.stringMatching(/over the 4096 byte cap/)]);
  });

  it("module text cut short", () => {
    const blob = inlineBuildInfo("go1.21.0", MODINFO);
    expect(goWarnings(blob.subarray(0, blob.length - 10))).toEqual(["Go build info string is truncated"]);
  });

  it("old-style pointers to nowhere, a bad pointer size, a length over the cap", () => {
    expect(goWarnings(pointerBuildInfoHeader(8, false, 0x900000, 0x900010))).toEqual([
      "Go build info points outside the file's mapped data",
    ]);
    const bad = pointerBuildInfoHeader(8, false, 0, 0);
    bad[14] = 3;
    expect(goWarnings(bad)).toEqual(["Go build info pointer size 3 is invalid"]);
    expect(
      goWarnings(pointerBuildInfoHeader(8, false, 0x510000, 0x510010), [
        {
          name: ".data",
          addr: 0x510000,
          data: stringHeaders(
            [
              [0x510000, 4],
              [0x510000, 2 ** 40],
            ],
            8,
            false,
          ),
        },
      ]),
    ).toEqual([expect.stringMatching(/over the 16777216 byte cap/)]);
  });

  it("malformed module lines are skipped with warnings, the rest is kept", () => {
    const text = "path\tx\nmod\tx\n=>\ty\tv1\th\ndep\tok\tv1.0.0\th1:ok=\nbuild\tnoequals\nbuild\t=v\n";
    const elf = buildElf({
      sections: [{ name: ".go.buildinfo", data: inlineBuildInfo("go1.21.0", framedModInfo(text)) }],
    });
    const r = goBinaryAnalyzer.analyze({ path: "x", bytes: elf.bytes });
    expect(r.packages?.map((p) => p.name)).toEqual(["stdlib", "ok"]);
    expect(r.warnings).toEqual([
      'Go build info line 2: expected 2 or 3 columns after "mod", got 1',
      "Go build info line 3: replacement with no module on the line before",
      "Go build info line 5: build line missing '='",
      "Go build info line 6: build line with missing key",
    ]);
  });
});

describe("damaged cargo-auditable data", () => {
  const rustResult = (dep: Buffer | undefined, patch?: (elf: ReturnType<typeof buildElf>) => void) => {
    const elf = buildElf({ sections: [{ name: ".dep-v0", data: dep ?? AUDIT }] });
    patch?.(elf);
    return rustBinaryAnalyzer.analyze({ path: "x", bytes: elf.bytes });
  };

  it("a zlib bomb stops at the cap, quickly", () => {
    const bomb = deflateSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    expect(bomb.length).toBeLessThan(100_000);
    const started = performance.now();
    expect(rustResult(bomb)).toEqual({
      warnings: ["cargo-auditable data inflates to more than 33554432 bytes"],
    });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("not zlib, not JSON, no package list, bad entries", () => {
    expect(rustResult(Buffer.from("plain"))?.warnings?.[0]).toMatch(
      /^cargo-auditable data is not valid zlib data/,
    );
    expect(rustResult(deflateSync("{nope"))).toEqual({
      warnings: ["cargo-auditable data is not valid JSON"],
    });
    expect(rustResult(deflateSync('{"pkgs":[]}'))).toEqual({
      warnings: ['cargo-auditable data has no "packages" list'],
    });
    const mixed = deflateSync(
      JSON.stringify({
        packages: [{ name: "ok", version: "1.0.0", source: "crates.io" }, { name: 5 }, null],
      }),
    );
    expect(rustResult(mixed)).toEqual({
      packages: [{ ecosystem: "cargo", name: "ok", version: "1.0.0" }],
      warnings: ["cargo-auditable data: 2 packages without name, version or source"],
    });
  });

  it("a section beyond the end of the file", () => {
    const result = rustResult(undefined, (elf) =>
      elf.bytes.writeBigUInt64LE(10n ** 12n, elf.sectionHeaderOffset(1) + 24),
    );
    expect(result).toEqual({
      warnings: ["cargo-auditable data unreadable: section .dep-v0 extends beyond the end of the file"],
    });
  });

  it("a section over the size cap", () => {
    const result = rustResult(undefined, (elf) =>
      elf.bytes.writeBigUInt64LE(2n ** 40n, elf.sectionHeaderOffset(1) + 32),
    );
    expect(result.warnings?.[0]).toMatch(/over the 8388608 byte cap/);
  });
});

describe("damaged PE and Mach-O", () => {
  it("PE: header offset beyond the file, a section table beyond the end", () => {
    const pe = buildPe([{ name: ".dep-v0", data: AUDIT }]);
    const far = Buffer.from(pe);
    far.writeUInt32LE(0x7fffffff, 0x3c);
    expect(analyzeAll(far)).toEqual([{}, {}]);
    const many = Buffer.from(pe);
    many.writeUInt16LE(0xffff, PE_HEADER_OFFSET + 6);
    expect(warningsOf(analyzeAll(many))).toEqual(["PE: section table extends beyond the end of the file"]);
    for (let cut = 0; cut < pe.length; cut += 7) analyzeAll(pe.subarray(0, cut));
  });

  it("Mach-O: load commands larger than the file, a zero-sized command, a section count past the command", () => {
    const macho = buildMachO([
      { name: "__DATA", addr: 0x4000, sections: [{ name: ".dep-v0", addr: 0x4000, data: AUDIT }] },
    ]);
    const big = Buffer.from(macho);
    big.writeUInt32LE(0x7fffffff, 20);
    expect(warningsOf(analyzeAll(big))[0]).toMatch(/load commands of 2147483647 bytes do not fit/);
    const zero = Buffer.from(macho);
    zero.writeUInt32LE(0, 32 + 4);
    expect(warningsOf(analyzeAll(zero))).toEqual(["Mach-O: load command 0 has an invalid size 0"]);
    const nsects = Buffer.from(macho);
    nsects.writeUInt32LE(0xffffffff, 32 + 64);
    expect(warningsOf(analyzeAll(nsects))).toEqual([
      "Mach-O: segment __DATA lists more sections than it holds",
    ]);
    for (let cut = 0; cut < macho.length; cut += 5) analyzeAll(macho.subarray(0, cut));
  });
});
