import { type ByteParser, readAt } from "./byte-parser.js";
import { ELF_MAGIC, parseElf } from "./elf.js";
import type { Executable, ExecutableFormat, Section } from "./executable.js";
import { machOKind, parseMachO } from "./macho.js";
import { parsePe } from "./pe.js";

/** The format the first bytes announce, so non-executables cost one tiny read. */
export function executableFormat(head: Buffer): ExecutableFormat | undefined {
  if (head.length >= 4 && head.subarray(0, 4).equals(ELF_MAGIC)) return "elf";
  if (head.length >= 2 && head[0] === 0x4d && head[1] === 0x5a) return "pe";
  if (machOKind(head)) return "macho";
  return undefined;
}

/** ELF, PE or Mach-O headers, or undefined for anything else (scripts, data, fat Mach-O). */
export function* parseExecutable(fileSize: number): ByteParser<Executable | undefined> {
  const head = yield* readAt(0, 4);
  switch (executableFormat(head)) {
    case "elf":
      return yield* parseElf(fileSize);
    case "pe":
      return yield* parsePe(fileSize);
    case "macho":
      return yield* parseMachO(fileSize);
    default:
      return undefined;
  }
}

export type SectionBytes = { bytes: Buffer; warning?: undefined } | { bytes?: undefined; warning: string };

/** A section's bytes, refused with a reason when over `cap` or not (wholly) in the file. */
export function* readSectionBytes(section: Section, fileSize: number, cap: number): ByteParser<SectionBytes> {
  const label = section.segment ? `${section.segment},${section.name}` : section.name;
  if (section.size === 0) return { warning: `section ${label} has no bytes in the file` };
  if (!Number.isSafeInteger(section.size) || section.size > cap) {
    return { warning: `section ${label} is ${section.size} bytes, over the ${cap} byte cap` };
  }
  if (!Number.isSafeInteger(section.offset) || section.offset + section.size > fileSize) {
    return { warning: `section ${label} extends beyond the end of the file` };
  }
  const bytes = yield* readAt(section.offset, section.size);
  if (bytes.length < section.size) return { warning: `section ${label} is truncated` };
  return { bytes };
}

/**
 * The file offset holding virtual address `addr`, and how many bytes from there belong to the
 * same mapped range; undefined when no segment (or, lacking segments, no section) maps it.
 */
export function fileOffsetOf(
  exe: Executable,
  addr: number,
): { offset: number; available: number } | undefined {
  if (!Number.isSafeInteger(addr)) return undefined;
  const ranges = [
    ...exe.segments,
    ...exe.sections.filter((s) => s.addr !== 0).map((s) => ({ ...s, fileSize: s.size })),
  ];
  for (const r of ranges) {
    if (r.fileSize > 0 && addr >= r.addr && addr < r.addr + r.fileSize) {
      return { offset: r.offset + (addr - r.addr), available: r.addr + r.fileSize - addr };
    }
  }
  return undefined;
}

/** Up to `length` bytes at virtual address `addr`, never crossing out of its mapped range. */
export function* readVirtual(exe: Executable, addr: number, length: number): ByteParser<Buffer | undefined> {
  const at = fileOffsetOf(exe, addr);
  if (!at) return undefined;
  return yield* readAt(at.offset, Math.min(length, at.available));
}
