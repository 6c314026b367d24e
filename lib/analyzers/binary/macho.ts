import { type ByteParser, readAt } from "./byte-parser.js";
import type { Executable, Section, Segment } from "./executable.js";
import { Fields } from "./fields.js";

const MH_MAGIC = 0xfeedface;
const MH_MAGIC_64 = 0xfeedfacf;
const LC_SEGMENT = 0x1;
const LC_SEGMENT_64 = 0x19;
/** Load commands of real binaries take a few KiB; more is corruption. */
const MAX_COMMANDS_SIZE = 16 * 1024 * 1024;
const MAX_COMMANDS = 65_536;
/** Section types whose bytes exist only in memory. */
const ZEROFILL_TYPES = new Set([0x1, 0xc, 0x12]);

/** The Mach-O magic in either byte order, or undefined. */
export function machOKind(head: Buffer): { bits: 32 | 64; littleEndian: boolean } | undefined {
  if (head.length < 4) return undefined;
  for (const littleEndian of [true, false]) {
    const magic = littleEndian ? head.readUInt32LE(0) : head.readUInt32BE(0);
    if (magic === MH_MAGIC) return { bits: 32, littleEndian };
    if (magic === MH_MAGIC_64) return { bits: 64, littleEndian };
  }
  return undefined;
}

/**
 * Reads a thin Mach-O file's segments and sections (32/64-bit, either byte order). Universal
 * ("fat") binaries are not read: container images do not ship macOS binaries in practice.
 */
export function* parseMachO(fileSize: number): ByteParser<Executable | undefined> {
  const head = yield* readAt(0, 32);
  const kind = machOKind(head);
  if (!kind) return undefined;
  const { bits, littleEndian } = kind;
  const warnings: string[] = [];
  const empty = (): Executable => ({
    format: "macho",
    bits,
    littleEndian,
    sections: [],
    segments: [],
    warnings,
  });
  const headerSize = bits === 64 ? 32 : 28;
  const h = new Fields(head, littleEndian);
  if (!h.has(0, headerSize)) {
    warnings.push("Mach-O: header truncated");
    return empty();
  }
  const ncmds = h.u32(16);
  const sizeofcmds = h.u32(20);
  if (sizeofcmds > MAX_COMMANDS_SIZE || ncmds > MAX_COMMANDS || headerSize + sizeofcmds > fileSize) {
    warnings.push(`Mach-O: ${ncmds} load commands of ${sizeofcmds} bytes do not fit the file`);
    return empty();
  }
  const cmds = yield* readAt(headerSize, sizeofcmds);
  const f = new Fields(cmds, littleEndian);
  const sections: Section[] = [];
  const segments: Segment[] = [];
  let at = 0;
  for (let i = 0; i < ncmds; i++) {
    if (!f.has(at, 8)) {
      warnings.push("Mach-O: load commands truncated");
      break;
    }
    const cmd = f.u32(at);
    const size = f.u32(at + 4);
    if (size < 8 || !f.has(at, size)) {
      warnings.push(`Mach-O: load command ${i} has an invalid size ${size}`);
      break;
    }
    if (cmd === LC_SEGMENT_64 || cmd === LC_SEGMENT) {
      readSegment(new Fields(cmds.subarray(at, at + size), littleEndian), cmd === LC_SEGMENT_64, {
        sections,
        segments,
        warnings,
      });
    }
    at += size;
  }
  return { format: "macho", bits, littleEndian, sections, segments, warnings };
}

function readSegment(
  f: Fields,
  is64: boolean,
  out: { sections: Section[]; segments: Segment[]; warnings: string[] },
): void {
  const headerSize = is64 ? 72 : 56;
  const sectionSize = is64 ? 80 : 68;
  if (!f.has(0, headerSize)) {
    out.warnings.push("Mach-O: segment command truncated");
    return;
  }
  const name = f.fixedString(8, 16);
  const segment: Segment = is64
    ? { name, addr: f.u64(24), offset: f.u64(40), fileSize: f.u64(48), maxFlags: f.u32(56), flags: f.u32(60) }
    : {
        name,
        addr: f.u32(24),
        offset: f.u32(32),
        fileSize: f.u32(36),
        maxFlags: f.u32(40),
        flags: f.u32(44),
      };
  out.segments.push(segment);
  const nsects = f.u32(is64 ? 64 : 48);
  for (let i = 0; i < nsects; i++) {
    const at = headerSize + i * sectionSize;
    if (!f.has(at, sectionSize)) {
      out.warnings.push(`Mach-O: segment ${name} lists more sections than it holds`);
      return;
    }
    const flags = f.u32(at + (is64 ? 64 : 56));
    const size = is64 ? f.u64(at + 40) : f.u32(at + 36);
    out.sections.push({
      name: f.fixedString(at, 16),
      segment: f.fixedString(at + 16, 16),
      addr: is64 ? f.u64(at + 32) : f.u32(at + 32),
      offset: f.u32(at + (is64 ? 48 : 40)),
      size: ZEROFILL_TYPES.has(flags & 0xff) ? 0 : size,
      flags,
    });
  }
}
