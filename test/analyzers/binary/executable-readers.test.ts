import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type ByteParser,
  readAt,
  runOnBytes,
  runOnRandomAccess,
} from "../../../lib/analyzers/binary/byte-parser.js";
import { findSection } from "../../../lib/analyzers/binary/executable.js";
import { isExecutableCandidate } from "../../../lib/analyzers/binary/executable-candidate.js";
import {
  executableFormat,
  fileOffsetOf,
  parseExecutable,
  readSectionBytes,
} from "../../../lib/analyzers/binary/parse-executable.js";
import { BufferRandomAccess, withFileRandomAccess } from "../../../lib/analyzers/random-access.js";
import { buildElf, SHF_ALLOC, SHF_WRITE, SHT_NOBITS } from "../../helpers/elf-builder.js";
import { buildMachO, buildPe, PE_IMAGE_BASE } from "./executable-builders.js";

const parse = (bytes: Buffer) => runOnBytes(parseExecutable(bytes.length), bytes);

describe("ELF reader", () => {
  for (const bits of [32, 64] as const) {
    for (const littleEndian of [true, false]) {
      it(`reads sections and PT_LOAD segments of ELF${bits} ${littleEndian ? "LE" : "BE"}`, () => {
        const elf = buildElf({
          bits,
          littleEndian,
          loadSegments: true,
          sections: [
            { name: ".text", addr: 0x1000, data: Buffer.from("code"), segmentFlags: 5 },
            { name: ".data", addr: 0x2000, flags: SHF_ALLOC | SHF_WRITE, data: Buffer.from("data!") },
            { name: ".bss", type: SHT_NOBITS, addr: 0x3000, size: 4096 },
            { name: ".comment", data: Buffer.from("GCC") },
          ],
        });
        const exe = parse(elf.bytes);
        expect(exe).toMatchObject({ format: "elf", bits, littleEndian, warnings: [] });
        expect(exe?.sections.map((s) => [s.name, s.size])).toEqual([
          ["", 0],
          [".text", 4],
          [".data", 5],
          [".bss", 0],
          [".comment", 3],
          [".shstrtab", 37],
        ]);
        expect(exe?.segments).toEqual([
          { flags: 5, offset: elf.dataOffset[".text"], addr: 0x1000, fileSize: 4 },
          { flags: 6, offset: elf.dataOffset[".data"], addr: 0x2000, fileSize: 5 },
          { flags: 6, offset: elf.dataOffset[".bss"], addr: 0x3000, fileSize: 0 },
        ]);
        const data = exe && findSection(exe, ".data");
        expect(data && runOnBytes(readSectionBytes(data, elf.bytes.length, 100), elf.bytes)).toEqual({
          bytes: Buffer.from("data!"),
        });
        expect(exe && fileOffsetOf(exe, 0x2002)).toEqual({
          offset: (elf.dataOffset[".data"] as number) + 2,
          available: 3,
        });
        expect(exe && fileOffsetOf(exe, 0x2005)).toBeUndefined();
      });
    }
  }

  it("refuses a section over the cap, without bytes in the file, or beyond the end", () => {
    const elf = buildElf({
      sections: [
        { name: ".big", data: Buffer.alloc(2000) },
        { name: ".bss", type: SHT_NOBITS, size: 10 },
      ],
    });
    const exe = parse(elf.bytes);
    if (!exe) throw new Error("not parsed");
    const read = (name: string, cap: number, size = elf.bytes.length) => {
      const section = findSection(exe, name);
      if (!section) throw new Error(`no ${name}`);
      return runOnBytes(readSectionBytes(section, size, cap), elf.bytes);
    };
    expect(read(".big", 1000).warning).toMatch(/over the 1000 byte cap/);
    expect(read(".bss", 1000).warning).toMatch(/no bytes in the file/);
    expect(read(".big", 5000, 100).warning).toMatch(/beyond the end of the file/);
  });
});

describe("PE reader", () => {
  it("reads the section table and maps RVAs through the image base", () => {
    const pe = buildPe([
      { name: ".text", data: Buffer.from("code"), characteristics: 0x60000020 },
      { name: ".dep-v0", data: Buffer.from("audit") },
    ]);
    const exe = parse(pe);
    expect(exe).toMatchObject({ format: "pe", bits: 64, littleEndian: true, warnings: [] });
    const dep = exe && findSection(exe, ".dep-v0");
    expect(dep).toMatchObject({ addr: PE_IMAGE_BASE + 0x2000, size: 5 });
    expect(dep && runOnBytes(readSectionBytes(dep, pe.length, 100), pe)).toEqual({
      bytes: Buffer.from("audit"),
    });
  });

  it("is not fooled by a file that merely starts with MZ", () => {
    expect(parse(Buffer.from(`MZ${"x".repeat(200)}`))).toBeUndefined();
  });
});

describe("Mach-O reader", () => {
  it("reads segments and their sections", () => {
    const macho = buildMachO([
      {
        name: "__TEXT",
        addr: 0x100000000,
        prot: 5,
        sections: [{ name: "__text", addr: 0x100000000, data: Buffer.from("code") }],
      },
      {
        name: "__DATA",
        addr: 0x100004000,
        sections: [{ name: ".dep-v0", addr: 0x100004000, data: Buffer.from("deps") }],
      },
    ]);
    const exe = parse(macho);
    expect(exe).toMatchObject({ format: "macho", bits: 64, littleEndian: true, warnings: [] });
    expect(exe?.segments.map((s) => [s.name, s.flags, s.maxFlags])).toEqual([
      ["__TEXT", 5, 5],
      ["__DATA", 3, 3],
    ]);
    const dep = exe && findSection(exe, ".dep-v0", "__DATA");
    expect(dep && runOnBytes(readSectionBytes(dep, macho.length, 100), macho)).toEqual({
      bytes: Buffer.from("deps"),
    });
    expect(exe && findSection(exe, ".dep-v0", "__TEXT")).toBeUndefined();
  });
});

describe("executableFormat", () => {
  it("tells formats by their first bytes", () => {
    expect(executableFormat(Buffer.from("\x7fELF", "latin1"))).toBe("elf");
    expect(executableFormat(Buffer.from("MZ\x90\x00", "latin1"))).toBe("pe");
    expect(executableFormat(Buffer.from([0xcf, 0xfa, 0xed, 0xfe]))).toBe("macho");
    expect(executableFormat(Buffer.from([0xfe, 0xed, 0xfa, 0xce]))).toBe("macho");
    expect(executableFormat(Buffer.from([0xca, 0xfe, 0xba, 0xbe]))).toBeUndefined();
    expect(executableFormat(Buffer.from("#!/bin"))).toBeUndefined();
    expect(executableFormat(Buffer.alloc(0))).toBeUndefined();
  });
});

describe("byte parsers over random access", () => {
  it("get clamped reads from buffers and files alike", async () => {
    const bytes = Buffer.from("0123456789");
    const dir = await mkdtemp(join(tmpdir(), "ra-test-"));
    const file = join(dir, "f");
    await writeFile(file, bytes);
    function* reads(): ByteParser<string[]> {
      const got: string[] = [];
      for (const [offset, length] of [
        [2, 3],
        [8, 100],
        [10, 5],
        [-1, 5],
        [Number.NaN, 5],
        [3, 0],
      ] as const) {
        got.push((yield* readAt(offset, length)).toString());
      }
      return got;
    }
    const expected = ["234", "89", "", "", "", ""];
    try {
      expect(runOnBytes(reads(), bytes)).toEqual(expected);
      expect(await runOnRandomAccess(reads(), new BufferRandomAccess(bytes))).toEqual(expected);
      expect(await withFileRandomAccess(file, (ra) => runOnRandomAccess(reads(), ra))).toEqual(expected);
      const elf = buildElf({ sections: [{ name: ".x", data: Buffer.from("x") }] }).bytes;
      await writeFile(file, elf);
      const exe = await withFileRandomAccess(file, (ra) => runOnRandomAccess(parseExecutable(ra.size), ra));
      expect(exe).toEqual(parse(elf));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("isExecutableCandidate", () => {
  it("takes executables above 1 KiB and files in bin directories", () => {
    expect(isExecutableCandidate("opt/tool/run", 5000, 0o755)).toBe(true);
    expect(isExecutableCandidate("usr/lib/x86_64-linux-gnu/libfoo.so.1", 5000, 0o755)).toBe(true);
    expect(isExecutableCandidate("usr/local/bin/app", 5000, 0o644)).toBe(true);
    expect(isExecutableCandidate("app/server", 5000, 0o600)).toBe(true);
    expect(isExecutableCandidate("go/bin/gopls", 5000)).toBe(true);
    expect(isExecutableCandidate("Files/Program Files/tool.exe", 5000, 0o644)).toBe(true);
  });

  it("skips small files, scripts, sources, documentation and package-manager trees", () => {
    expect(isExecutableCandidate("usr/bin/tiny", 1024, 0o755)).toBe(false);
    expect(isExecutableCandidate("usr/bin/script.sh", 5000, 0o755)).toBe(false);
    expect(isExecutableCandidate("usr/lib/node_modules/npm/bin/npm-cli.js", 5000, 0o755)).toBe(false);
    expect(isExecutableCandidate("usr/share/doc/x/examples/run", 5000, 0o755)).toBe(false);
    expect(isExecutableCandidate("var/lib/dpkg/info/bash.postinst", 5000, 0o755)).toBe(false);
    expect(isExecutableCandidate("etc/init.d/ssh", 5000, 0o755)).toBe(false);
    expect(isExecutableCandidate("opt/data/blob", 5000, 0o644)).toBe(false);
    expect(isExecutableCandidate("app/node_modules/x/index", 5000, 0o644)).toBe(false);
  });
});
