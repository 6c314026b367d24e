import { type ByteParser, readAt } from "./byte-parser.js";
import type { Executable, Section, Segment } from "./executable.js";
import { Fields } from "./fields.js";

/** Past this, e_lfanew is not a PE header but a DOS program or junk that starts with "MZ". */
const MAX_PE_HEADER_OFFSET = 16 * 1024 * 1024;
const SECTION_HEADER_SIZE = 40;

/**
 * Reads a PE (Windows) file's section table. Returns undefined unless the file has both the "MZ"
 * and "PE\0\0" signatures; damage becomes warnings, never a throw. Long section names ("/4",
 * which point into the COFF string table) are kept as written: only debug sections use them.
 */
export function* parsePe(fileSize: number): ByteParser<Executable | undefined> {
  const dos = yield* readAt(0, 64);
  if (dos.length < 64 || dos[0] !== 0x4d || dos[1] !== 0x5a) return undefined;
  const peOffset = dos.readUInt32LE(0x3c);
  if (peOffset > MAX_PE_HEADER_OFFSET || peOffset + 24 > fileSize) return undefined;
  const coff = yield* readAt(peOffset, 24 + 240);
  if (coff.length < 24 || coff.readUInt32LE(0) !== 0x00004550) return undefined;

  const warnings: string[] = [];
  const f = new Fields(coff, true);
  const count = f.u16(6);
  const optionalSize = f.u16(20);
  const optionalMagic = f.has(24, 2) ? f.u16(24) : 0;
  let bits: 32 | 64 = 32;
  let imageBase = 0;
  if (optionalMagic === 0x20b && f.has(24 + 24, 8)) {
    bits = 64;
    imageBase = f.u64(24 + 24);
  } else if (optionalMagic === 0x10b && f.has(24 + 28, 4)) {
    imageBase = f.u32(24 + 28);
  } else {
    warnings.push(`PE: unknown or truncated optional header (magic 0x${optionalMagic.toString(16)})`);
  }

  const tableOffset = peOffset + 24 + optionalSize;
  const tableSize = count * SECTION_HEADER_SIZE;
  if (tableOffset + tableSize > fileSize) {
    warnings.push("PE: section table extends beyond the end of the file");
    return { format: "pe", bits, littleEndian: true, sections: [], segments: [], warnings };
  }
  const table = yield* readAt(tableOffset, tableSize);
  const t = new Fields(table, true);
  const sections: Section[] = [];
  const segments: Segment[] = [];
  for (let i = 0; i < count && t.has(i * SECTION_HEADER_SIZE, SECTION_HEADER_SIZE); i++) {
    const at = i * SECTION_HEADER_SIZE;
    const name = t.fixedString(at, 8);
    const rva = t.u32(at + 12);
    const rawSize = t.u32(at + 16);
    const rawOffset = t.u32(at + 20);
    const flags = t.u32(at + 36);
    // Go's debug/pe treats SizeOfRawData as the section's size; VirtualSize may be larger (zero fill).
    const addr = rva === 0 ? 0 : imageBase + rva;
    sections.push({ name, addr, offset: rawOffset, size: rawOffset === 0 ? 0 : rawSize, flags });
    if (rva !== 0 && rawOffset !== 0 && rawSize !== 0) {
      segments.push({ name, addr, offset: rawOffset, fileSize: rawSize, flags });
    }
  }
  return { format: "pe", bits, littleEndian: true, sections, segments, warnings };
}
