import { type ByteParser, readAt } from "./byte-parser.js";
import type { Executable, Section, Segment } from "./executable.js";
import { cString, Fields } from "./fields.js";

export const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/** More sections than any linker writes: an extended count above this is corruption. */
const MAX_SECTIONS = 65_536;
const MAX_SEGMENTS = 65_535;
const MAX_SECTION_NAMES = 4 * 1024 * 1024;

const SHT_NOBITS = 8;
const PT_LOAD = 1;
const SHN_XINDEX = 0xffff;
const PN_XNUM = 0xffff;

interface ElfHeader {
  bits: 32 | 64;
  littleEndian: boolean;
  phoff: number;
  phentsize: number;
  phnum: number;
  shoff: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

interface RawSection {
  nameOffset: number;
  type: number;
  flags: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
  info: number;
}

/**
 * Reads an ELF file's section and program headers (ELF32/ELF64, either byte order). Returns
 * undefined when the magic is not ELF; damage becomes warnings and empty tables, never a throw.
 */
export function* parseElf(fileSize: number): ByteParser<Executable | undefined> {
  const head = yield* readAt(0, 64);
  if (head.length < 4 || !head.subarray(0, 4).equals(ELF_MAGIC)) return undefined;
  const warnings: string[] = [];
  const header = readHeader(head, warnings);
  if (!header) return { format: "elf", bits: 64, littleEndian: true, sections: [], segments: [], warnings };
  const { bits, littleEndian } = header;

  const raw = yield* readSectionHeaders(header, fileSize, warnings);
  // Extended numbering: counts that do not fit the header live in section 0.
  const first = raw[0];
  if (header.phnum === PN_XNUM && first) header.phnum = first.info;
  if (header.shstrndx === SHN_XINDEX && first) header.shstrndx = first.link;

  const names = yield* readSectionNames(raw, header.shstrndx, fileSize, warnings);
  let badNames = 0;
  const sections: Section[] = raw.map((s) => {
    const name = names ? cString(names, s.nameOffset) : "";
    if (name === undefined) badNames += 1;
    return {
      name: name ?? "",
      addr: s.addr,
      offset: s.offset,
      size: s.type === SHT_NOBITS ? 0 : s.size,
      flags: s.flags,
    };
  });
  if (badNames > 0) warnings.push(`ELF: ${badNames} section names point outside the name table`);

  const segments = yield* readSegments(header, fileSize, warnings);
  return { format: "elf", bits, littleEndian, sections, segments, warnings };
}

function readHeader(head: Buffer, warnings: string[]): ElfHeader | undefined {
  const elfClass = head[4];
  const data = head[5];
  if ((elfClass !== 1 && elfClass !== 2) || (data !== 1 && data !== 2)) {
    warnings.push(`ELF: unknown class ${elfClass} or byte order ${data}`);
    return undefined;
  }
  const bits = elfClass === 2 ? 64 : 32;
  const f = new Fields(head, data === 1);
  if (!f.has(0, bits === 64 ? 64 : 52)) {
    warnings.push("ELF: header truncated");
    return undefined;
  }
  return bits === 64
    ? {
        bits,
        littleEndian: f.littleEndian,
        phoff: f.u64(32),
        shoff: f.u64(40),
        phentsize: f.u16(54),
        phnum: f.u16(56),
        shentsize: f.u16(58),
        shnum: f.u16(60),
        shstrndx: f.u16(62),
      }
    : {
        bits,
        littleEndian: f.littleEndian,
        phoff: f.u32(28),
        shoff: f.u32(32),
        phentsize: f.u16(42),
        phnum: f.u16(44),
        shentsize: f.u16(46),
        shnum: f.u16(48),
        shstrndx: f.u16(50),
      };
}

function* readSectionHeaders(h: ElfHeader, fileSize: number, warnings: string[]): ByteParser<RawSection[]> {
  if (h.shoff === 0) return [];
  const entry = h.bits === 64 ? 64 : 40;
  if (h.shentsize < entry) {
    warnings.push(`ELF: section header size ${h.shentsize} is smaller than ${entry}`);
    return [];
  }
  let count = h.shnum;
  if (count === 0) {
    // Extended numbering: the real count is section 0's sh_size.
    const zero = yield* readAt(h.shoff, entry);
    if (zero.length < entry) {
      warnings.push("ELF: section header table starts beyond the end of the file");
      return [];
    }
    count = parseSection(new Fields(zero, h.littleEndian), 0, h.bits).size;
  }
  if (!Number.isSafeInteger(count) || count > MAX_SECTIONS) {
    warnings.push(`ELF: ${count} sections is more than the ${MAX_SECTIONS} allowed`);
    return [];
  }
  const table = yield* readHeaderTable(h.shoff, count * h.shentsize, fileSize, "section", warnings);
  if (!table) return [];
  const f = new Fields(table, h.littleEndian);
  const out: RawSection[] = [];
  for (let i = 0; i < count; i++) out.push(parseSection(f, i * h.shentsize, h.bits));
  return out;
}

function parseSection(f: Fields, at: number, bits: 32 | 64): RawSection {
  return bits === 64
    ? {
        nameOffset: f.u32(at),
        type: f.u32(at + 4),
        flags: f.u64(at + 8),
        addr: f.u64(at + 16),
        offset: f.u64(at + 24),
        size: f.u64(at + 32),
        link: f.u32(at + 40),
        info: f.u32(at + 44),
      }
    : {
        nameOffset: f.u32(at),
        type: f.u32(at + 4),
        flags: f.u32(at + 8),
        addr: f.u32(at + 12),
        offset: f.u32(at + 16),
        size: f.u32(at + 20),
        link: f.u32(at + 24),
        info: f.u32(at + 28),
      };
}

function* readSectionNames(
  raw: RawSection[],
  index: number,
  fileSize: number,
  warnings: string[],
): ByteParser<Buffer | undefined> {
  if (raw.length === 0) return undefined;
  const table = raw[index];
  if (!table || index === 0) {
    warnings.push(`ELF: section name table index ${index} is out of range`);
    return undefined;
  }
  if (!Number.isSafeInteger(table.size) || table.size > MAX_SECTION_NAMES) {
    warnings.push(`ELF: section name table of ${table.size} bytes is over the cap`);
    return undefined;
  }
  if (!Number.isSafeInteger(table.offset) || table.offset + table.size > fileSize) {
    warnings.push("ELF: section name table extends beyond the end of the file");
    return undefined;
  }
  return yield* readAt(table.offset, table.size);
}

function* readSegments(h: ElfHeader, fileSize: number, warnings: string[]): ByteParser<Segment[]> {
  if (h.phoff === 0 || h.phnum === 0) return [];
  const entry = h.bits === 64 ? 56 : 32;
  if (h.phentsize < entry) {
    warnings.push(`ELF: program header size ${h.phentsize} is smaller than ${entry}`);
    return [];
  }
  if (h.phnum > MAX_SEGMENTS) {
    warnings.push(`ELF: ${h.phnum} program headers is more than the ${MAX_SEGMENTS} allowed`);
    return [];
  }
  const table = yield* readHeaderTable(h.phoff, h.phnum * h.phentsize, fileSize, "program", warnings);
  if (!table) return [];
  const f = new Fields(table, h.littleEndian);
  const out: Segment[] = [];
  for (let i = 0; i < h.phnum; i++) {
    const at = i * h.phentsize;
    if (f.u32(at) !== PT_LOAD) continue;
    out.push(
      h.bits === 64
        ? { flags: f.u32(at + 4), offset: f.u64(at + 8), addr: f.u64(at + 16), fileSize: f.u64(at + 32) }
        : { offset: f.u32(at + 4), addr: f.u32(at + 8), fileSize: f.u32(at + 16), flags: f.u32(at + 24) },
    );
  }
  return out;
}

/** Reads a section or program header table, refusing one that lies outside the file. */
function* readHeaderTable(
  offset: number,
  size: number,
  fileSize: number,
  kind: "section" | "program",
  warnings: string[],
): ByteParser<Buffer | undefined> {
  if (!Number.isSafeInteger(offset) || offset + size > fileSize) {
    warnings.push(`ELF: ${kind} header table extends beyond the end of the file`);
    return undefined;
  }
  const table = yield* readAt(offset, size);
  if (table.length < size) {
    warnings.push(`ELF: ${kind} header table truncated`);
    return undefined;
  }
  return table;
}
