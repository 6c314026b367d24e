/** What the ELF, PE and Mach-O readers have in common: named sections and loadable ranges. */
export type ExecutableFormat = "elf" | "pe" | "macho";

export interface Section {
  name: string;
  /** Mach-O segment the section belongs to ("__DATA"); absent for ELF and PE. */
  segment?: string;
  /** Virtual address when loaded (PE: image base + RVA); 0 when the section is not loaded. */
  addr: number;
  /** Where the section's bytes are in the file. */
  offset: number;
  /** Bytes in the file: 0 for sections that only occupy memory (ELF NOBITS, Mach-O zerofill). */
  size: number;
  /** ELF sh_flags, PE Characteristics, Mach-O section flags. */
  flags: number;
}

/** A range of the file mapped at a virtual address: ELF PT_LOAD, Mach-O segment, PE section. */
export interface Segment {
  addr: number;
  offset: number;
  fileSize: number;
  /** ELF p_flags (X=1, W=2, R=4), Mach-O initprot (R=1, W=2, X=4), PE Characteristics. */
  flags: number;
  /** Mach-O maxprot. */
  maxFlags?: number;
  name?: string;
}

export interface Executable {
  format: ExecutableFormat;
  bits: 32 | 64;
  littleEndian: boolean;
  sections: Section[];
  segments: Segment[];
  /** Structural damage found while reading headers (truncation, tables beyond the end, ...). */
  warnings: string[];
}

export function findSection(exe: Executable, name: string, segment?: string): Section | undefined {
  return exe.sections.find((s) => s.name === name && (segment === undefined || s.segment === segment));
}
