/** Minimal PE and Mach-O files with named sections, for the readers' section lookups and damage tests. */

export interface PeSectionSpec {
  name: string;
  data: Buffer;
  /** RVA; default after the previous section. */
  rva?: number;
  /** Default IMAGE_SCN_CNT_INITIALIZED_DATA | MEM_READ | MEM_WRITE. */
  characteristics?: number;
}

export const PE_HEADER_OFFSET = 0x80;
export const PE_IMAGE_BASE = 0x140000000;

/** A PE32+ (x86-64) image: DOS stub header, COFF header, optional header and section table. */
export function buildPe(sections: PeSectionSpec[]): Buffer {
  const optionalSize = 240;
  const tableOffset = PE_HEADER_OFFSET + 24 + optionalSize;
  let dataOffset = Math.ceil((tableOffset + sections.length * 40) / 0x200) * 0x200;
  const parts: Array<{ offset: number; data: Buffer }> = [];
  const table = Buffer.alloc(sections.length * 40);
  let rva = 0x1000;
  sections.forEach((s, i) => {
    const at = i * 40;
    table.write(s.name.slice(0, 8), at, "latin1");
    const sectionRva = s.rva ?? rva;
    table.writeUInt32LE(s.data.length, at + 8);
    table.writeUInt32LE(sectionRva, at + 12);
    table.writeUInt32LE(s.data.length, at + 16);
    table.writeUInt32LE(dataOffset, at + 20);
    table.writeUInt32LE((s.characteristics ?? 0xc0000040) >>> 0, at + 36);
    parts.push({ offset: dataOffset, data: s.data });
    dataOffset = Math.ceil((dataOffset + s.data.length) / 0x200) * 0x200;
    rva = Math.ceil((sectionRva + s.data.length) / 0x1000) * 0x1000;
  });
  const out = Buffer.alloc(Math.max(dataOffset, tableOffset + table.length));
  out.write("MZ", 0, "latin1");
  out.writeUInt32LE(PE_HEADER_OFFSET, 0x3c);
  out.write("PE\0\0", PE_HEADER_OFFSET, "latin1");
  out.writeUInt16LE(0x8664, PE_HEADER_OFFSET + 4);
  out.writeUInt16LE(sections.length, PE_HEADER_OFFSET + 6);
  out.writeUInt16LE(optionalSize, PE_HEADER_OFFSET + 20);
  out.writeUInt16LE(0x22, PE_HEADER_OFFSET + 22);
  out.writeUInt16LE(0x20b, PE_HEADER_OFFSET + 24);
  out.writeBigUInt64LE(BigInt(PE_IMAGE_BASE), PE_HEADER_OFFSET + 24 + 24);
  table.copy(out, tableOffset);
  for (const p of parts) p.data.copy(out, p.offset);
  return out;
}

export interface MachOSectionSpec {
  name: string;
  data: Buffer;
  addr: number;
}

export interface MachOSegmentSpec {
  name: string;
  addr: number;
  /** initprot and maxprot; default read-write (3). */
  prot?: number;
  sections: MachOSectionSpec[];
}

/** A 64-bit little-endian Mach-O executable (arm64) with LC_SEGMENT_64 commands. */
export function buildMachO(segments: MachOSegmentSpec[]): Buffer {
  const commandsSize = segments.reduce((n, s) => n + 72 + 80 * s.sections.length, 0);
  let dataOffset = Math.ceil((32 + commandsSize) / 16) * 16;
  const commands = Buffer.alloc(commandsSize);
  const parts: Array<{ offset: number; data: Buffer }> = [];
  let at = 0;
  for (const seg of segments) {
    const size = 72 + 80 * seg.sections.length;
    const segStart = dataOffset;
    commands.writeUInt32LE(0x19, at);
    commands.writeUInt32LE(size, at + 4);
    commands.write(seg.name, at + 8, "latin1");
    commands.writeBigUInt64LE(BigInt(seg.addr), at + 24);
    seg.sections.forEach((sec, i) => {
      const s = at + 72 + i * 80;
      commands.write(sec.name, s, "latin1");
      commands.write(seg.name, s + 16, "latin1");
      commands.writeBigUInt64LE(BigInt(sec.addr), s + 32);
      commands.writeBigUInt64LE(BigInt(sec.data.length), s + 40);
      commands.writeUInt32LE(dataOffset, s + 48);
      parts.push({ offset: dataOffset, data: sec.data });
      dataOffset = Math.ceil((dataOffset + sec.data.length) / 16) * 16;
    });
    const fileSize = dataOffset - segStart;
    commands.writeBigUInt64LE(BigInt(fileSize), at + 32);
    commands.writeBigUInt64LE(BigInt(segStart), at + 40);
    commands.writeBigUInt64LE(BigInt(fileSize), at + 48);
    commands.writeUInt32LE(seg.prot ?? 3, at + 56);
    commands.writeUInt32LE(seg.prot ?? 3, at + 60);
    commands.writeUInt32LE(seg.sections.length, at + 64);
    at += size;
  }
  const out = Buffer.alloc(dataOffset);
  out.writeUInt32LE(0xfeedfacf, 0);
  out.writeUInt32LE(0x0100000c, 4);
  out.writeUInt32LE(2, 12);
  out.writeUInt32LE(segments.length, 16);
  out.writeUInt32LE(commandsSize, 20);
  commands.copy(out, 32);
  for (const p of parts) p.data.copy(out, p.offset);
  return out;
}
