/** Section types and flags the tests use. */
export const SHT_PROGBITS = 1;
export const SHT_NOBITS = 8;
export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

export interface ElfSectionSpec {
  name: string;
  data?: Buffer;
  type?: number;
  flags?: number;
  /** Virtual address; sections with one get a PT_LOAD segment when `loadSegments` is set. */
  addr?: number;
  /** Size recorded for NOBITS sections (their data is not in the file). */
  size?: number;
  /** p_flags of the section's PT_LOAD segment; default R|W. */
  segmentFlags?: number;
}

export interface ElfSpec {
  bits?: 32 | 64;
  littleEndian?: boolean;
  /** e_machine; default x86-64 (62). */
  machine?: number;
  sections: ElfSectionSpec[];
  /** One PT_LOAD per section that has an address (what a linker's segments amount to here). */
  loadSegments?: boolean;
}

export interface BuiltElf {
  bytes: Buffer;
  /** e_shoff: where the section header table starts. */
  shoff: number;
  shentsize: number;
  phoff: number;
  /** File offset of each named section's data. */
  dataOffset: Record<string, number>;
  /** File offset of section header `index` (0 is the null section; spec sections start at 1). */
  sectionHeaderOffset(index: number): number;
}

/**
 * A minimal but valid ELF executable (ELF32/ELF64, either byte order) with the given named
 * sections, a .shstrtab and optional PT_LOAD segments, for parser tests that need exact control:
 * Go build info in old and new layouts, cargo-auditable data, and corrupt variants.
 */
export function buildElf(spec: ElfSpec): BuiltElf {
  const bits = spec.bits ?? 64;
  const le = spec.littleEndian ?? true;
  const ehsize = bits === 64 ? 64 : 52;
  const phentsize = bits === 64 ? 56 : 32;
  const shentsize = bits === 64 ? 64 : 40;
  const loaded = spec.loadSegments ? spec.sections.filter((s) => s.addr !== undefined) : [];

  // Name table: "\0" then each name, then ".shstrtab".
  const names = [...spec.sections.map((s) => s.name), ".shstrtab"];
  const nameOffsets: number[] = [];
  let strtab = Buffer.from([0]);
  for (const name of names) {
    nameOffsets.push(strtab.length);
    strtab = Buffer.concat([strtab, Buffer.from(`${name}\0`, "latin1")]);
  }

  const phoff = loaded.length > 0 ? ehsize : 0;
  let cursor = ehsize + loaded.length * phentsize;
  const align = (n: number, a: number) => Math.ceil(n / a) * a;
  const dataOffset: Record<string, number> = {};
  const offsets: number[] = [];
  for (const s of spec.sections) {
    cursor = align(cursor, 16);
    offsets.push(cursor);
    dataOffset[s.name] = cursor;
    if ((s.type ?? SHT_PROGBITS) !== SHT_NOBITS) cursor += s.data?.length ?? 0;
  }
  const strtabOffset = cursor;
  cursor += strtab.length;
  const shoff = align(cursor, 8);
  const shnum = spec.sections.length + 2;
  const total = shoff + shnum * shentsize;
  const out = Buffer.alloc(total);

  const w = writer(out, le, bits);
  // e_ident
  out.set([0x7f, 0x45, 0x4c, 0x46, bits === 64 ? 2 : 1, le ? 1 : 2, 1], 0);
  w.u16(16, 2); // ET_EXEC
  w.u16(18, spec.machine ?? 62);
  w.u32(20, 1);
  if (bits === 64) {
    w.word(24, 0x401000);
    w.word(32, phoff);
    w.word(40, shoff);
    w.u16(52, ehsize);
    w.u16(54, phentsize);
    w.u16(56, loaded.length);
    w.u16(58, shentsize);
    w.u16(60, shnum);
    w.u16(62, shnum - 1);
  } else {
    w.word(24, 0x401000);
    w.word(28, phoff);
    w.word(32, shoff);
    w.u16(40, ehsize);
    w.u16(42, phentsize);
    w.u16(44, loaded.length);
    w.u16(46, shentsize);
    w.u16(48, shnum);
    w.u16(50, shnum - 1);
  }

  loaded.forEach((s, i) => {
    const at = phoff + i * phentsize;
    const offset = dataOffset[s.name] as number;
    const size = s.data?.length ?? 0;
    const flags = s.segmentFlags ?? PF_R | PF_W;
    w.u32(at, 1); // PT_LOAD
    if (bits === 64) {
      w.u32(at + 4, flags);
      w.word(at + 8, offset);
      w.word(at + 16, s.addr as number);
      w.word(at + 24, s.addr as number);
      w.word(at + 32, size);
      w.word(at + 40, size);
      w.word(at + 48, 0x1000);
    } else {
      w.word(at + 4, offset);
      w.word(at + 8, s.addr as number);
      w.word(at + 12, s.addr as number);
      w.word(at + 16, size);
      w.word(at + 20, size);
      w.u32(at + 24, flags);
      w.word(at + 28, 0x1000);
    }
  });

  spec.sections.forEach((s, i) => {
    if ((s.type ?? SHT_PROGBITS) !== SHT_NOBITS && s.data) s.data.copy(out, offsets[i] as number);
  });
  strtab.copy(out, strtabOffset);

  const header = (
    index: number,
    name: number,
    type: number,
    flags: number,
    addr: number,
    offset: number,
    size: number,
  ) => {
    const at = shoff + index * shentsize;
    w.u32(at, name);
    w.u32(at + 4, type);
    if (bits === 64) {
      w.word(at + 8, flags);
      w.word(at + 16, addr);
      w.word(at + 24, offset);
      w.word(at + 32, size);
      w.word(at + 48, 1);
    } else {
      w.word(at + 8, flags);
      w.word(at + 12, addr);
      w.word(at + 16, offset);
      w.word(at + 20, size);
      w.word(at + 32, 1);
    }
  };
  spec.sections.forEach((s, i) => {
    const type = s.type ?? SHT_PROGBITS;
    const size = type === SHT_NOBITS ? (s.size ?? 0) : (s.data?.length ?? 0);
    header(
      i + 1,
      nameOffsets[i] as number,
      type,
      s.flags ?? SHF_ALLOC,
      s.addr ?? 0,
      offsets[i] as number,
      size,
    );
  });
  header(shnum - 1, nameOffsets[names.length - 1] as number, 3, 0, 0, strtabOffset, strtab.length);

  return {
    bytes: out,
    shoff,
    shentsize,
    phoff,
    dataOffset,
    sectionHeaderOffset: (index) => shoff + index * shentsize,
  };
}

/** Integer writers in the file's byte order; `word` is 32 or 64 bits by class. */
export function writer(buf: Buffer, le: boolean, bits: 32 | 64) {
  const u16 = (at: number, v: number) => (le ? buf.writeUInt16LE(v, at) : buf.writeUInt16BE(v, at));
  const u32 = (at: number, v: number) =>
    le ? buf.writeUInt32LE(v >>> 0, at) : buf.writeUInt32BE(v >>> 0, at);
  const u64 = (at: number, v: number | bigint) =>
    le ? buf.writeBigUInt64LE(BigInt(v), at) : buf.writeBigUInt64BE(BigInt(v), at);
  return {
    u16,
    u32,
    u64,
    word: (at: number, v: number) => (bits === 64 ? u64(at, v) : u32(at, v)),
  };
}
