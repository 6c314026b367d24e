import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { runOnBytes } from "../../../lib/analyzers/binary/byte-parser.js";
import { readCargoAuditable } from "../../../lib/analyzers/rust/cargo-auditable.js";
import { rustBinaryAnalyzer } from "../../../lib/analyzers/rust/rust-binary-analyzer.js";
import { buildElf, SHF_ALLOC } from "../../helpers/elf-builder.js";
import { buildMachO, buildPe } from "../binary/executable-builders.js";

/**
 * cargo-auditable data as `rust-audit-info` prints it for Ubuntu's batcat (first entries), plus the
 * kinds of entries the format allows: a local root crate, a local path dependency, a git crate and
 * build-only crates.
 */
const AUDIT_JSON = JSON.stringify({
  packages: [
    { name: "adler", version: "1.0.2", source: "crates.io" },
    { name: "aho-corasick", version: "1.1.4", source: "crates.io", dependencies: [8] },
    { name: "ansi_colours", version: "1.2.3", source: "crates.io", dependencies: [9] },
    { name: "anyhow", version: "1.0.101", source: "crates.io", kind: "build" },
    { name: "bat", version: "0.25.0", source: "local", dependencies: [0, 1, 2, 3, 5, 6, 7], root: true },
    { name: "bat-themes", version: "0.1.0", source: "local" },
    { name: "git2", version: "0.20.1", source: "git", dependencies: [10] },
    { name: "vendored-tls", version: "0.9.0", source: "registry" },
    { name: "memchr", version: "2.7.4", source: "crates.io" },
    { name: "rgb", version: "0.8.50", source: "crates.io", kind: "runtime" },
    { name: "cc", version: "1.2.10", source: "crates.io", kind: "build" },
  ],
});

const EXPECTED = [
  { ecosystem: "cargo", name: "adler", version: "1.0.2" },
  { ecosystem: "cargo", name: "aho-corasick", version: "1.1.4" },
  { ecosystem: "cargo", name: "ansi_colours", version: "1.2.3" },
  { ecosystem: "cargo", name: "git2", version: "0.20.1" },
  { ecosystem: "cargo", name: "vendored-tls", version: "0.9.0" },
  { ecosystem: "cargo", name: "memchr", version: "2.7.4" },
  { ecosystem: "cargo", name: "rgb", version: "0.8.50" },
];

const compressed = deflateSync(AUDIT_JSON);

function elfWith(dep: Buffer, bits: 32 | 64 = 64, littleEndian = true): Buffer {
  return buildElf({
    bits,
    littleEndian,
    sections: [
      { name: ".text", addr: 0x401000, data: Buffer.alloc(256, 0xc3) },
      { name: ".dep-v0", flags: SHF_ALLOC, data: dep },
    ],
  }).bytes;
}

describe("rustBinaryAnalyzer", () => {
  for (const [bits, le] of [
    [64, true],
    [32, false],
  ] as const) {
    it(`reads .dep-v0 of an ELF${bits} ${le ? "LE" : "BE"} binary: runtime, non-local crates`, () => {
      const result = rustBinaryAnalyzer.analyze({
        path: "usr/bin/batcat",
        bytes: elfWith(compressed, bits, le),
      });
      expect(result).toEqual({ packages: EXPECTED });
    });
  }

  it("keeps the whole record in the parsed form", () => {
    const bytes = elfWith(compressed);
    const scan = runOnBytes(readCargoAuditable(bytes.length), bytes);
    expect(scan.packages?.[4]).toEqual({
      name: "bat",
      version: "0.25.0",
      source: "local",
      kind: "runtime",
      dependencies: [0, 1, 2, 3, 5, 6, 7],
      root: true,
    });
    expect(scan.packages?.[3]?.kind).toBe("build");
  });

  it("reports the root crate when it came from a registry (cargo auditable install)", () => {
    const json = JSON.stringify({
      packages: [
        { name: "ripgrep", version: "14.1.0", source: "crates.io", dependencies: [1], root: true },
        { name: "memchr", version: "2.7.4", source: "crates.io" },
      ],
    });
    expect(
      rustBinaryAnalyzer.analyze({ path: "usr/local/bin/rg", bytes: elfWith(deflateSync(json)) }),
    ).toEqual({
      packages: [
        { ecosystem: "cargo", name: "ripgrep", version: "14.1.0" },
        { ecosystem: "cargo", name: "memchr", version: "2.7.4" },
      ],
    });
  });

  it("reads .dep-v0 from PE and from Mach-O's __DATA segment", () => {
    const pe = buildPe([
      { name: ".text", data: Buffer.alloc(64), characteristics: 0x60000020 },
      { name: ".dep-v0", data: compressed, characteristics: 0x40000040 },
    ]);
    expect(rustBinaryAnalyzer.analyze({ path: "app/bat.exe", bytes: pe })).toEqual({ packages: EXPECTED });
    const macho = buildMachO([
      {
        name: "__TEXT",
        addr: 0x100000000,
        prot: 5,
        sections: [{ name: "__text", addr: 0x100000000, data: Buffer.alloc(64) }],
      },
      {
        name: "__DATA",
        addr: 0x100004000,
        sections: [{ name: ".dep-v0", addr: 0x100004000, data: compressed }],
      },
    ]);
    expect(rustBinaryAnalyzer.analyze({ path: "app/bat", bytes: macho })).toEqual({ packages: EXPECTED });
    const elsewhere = buildMachO([
      {
        name: "__TEXT",
        addr: 0x100000000,
        sections: [{ name: ".dep-v0", addr: 0x100000000, data: compressed }],
      },
    ]);
    expect(rustBinaryAnalyzer.analyze({ path: "app/bat", bytes: elsewhere })).toEqual({});
  });

  it("reads a spilled file the same way", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rust-bin-"));
    try {
      const file = join(dir, "spill-1");
      const bytes = elfWith(compressed);
      await writeFile(file, bytes);
      const result = await rustBinaryAnalyzer.analyzeFile?.({
        path: "usr/bin/batcat",
        file,
        size: bytes.length,
      });
      expect(result).toEqual({ packages: EXPECTED });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("returns nothing for binaries without audit data and for non-executables", async () => {
    const plain = buildElf({ sections: [{ name: ".text", data: Buffer.alloc(64) }] }).bytes;
    expect(rustBinaryAnalyzer.analyze({ path: "usr/bin/x", bytes: plain })).toEqual({});
    expect(rustBinaryAnalyzer.analyze({ path: "usr/bin/x", bytes: Buffer.from("#!/bin/sh\n") })).toEqual({});
    expect(rustBinaryAnalyzer.analyze({ path: "usr/bin/x", bytes: Buffer.alloc(0) })).toEqual({});
  });

  it("shares the executable candidate rules", () => {
    expect(rustBinaryAnalyzer.required("usr/local/bin/rg", 5_000_000, 0o755)).toBe(true);
    expect(rustBinaryAnalyzer.required("usr/share/doc/rg/README", 5000, 0o644)).toBe(false);
  });
});
