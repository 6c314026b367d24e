/**
 * Fixed-width integers of one byte order. Callers check `has` before reading a structure; 64-bit
 * values above 2^53 (no real offset or size is that large) come back as NaN, which callers reject
 * with Number.isSafeInteger and which no address comparison accepts.
 */
export class Fields {
  constructor(
    readonly buf: Buffer,
    readonly littleEndian: boolean,
  ) {}

  has(offset: number, length: number): boolean {
    return offset >= 0 && length >= 0 && offset + length <= this.buf.length;
  }

  u16(offset: number): number {
    return this.littleEndian ? this.buf.readUInt16LE(offset) : this.buf.readUInt16BE(offset);
  }

  u32(offset: number): number {
    return this.littleEndian ? this.buf.readUInt32LE(offset) : this.buf.readUInt32BE(offset);
  }

  u64(offset: number): number {
    const value = this.littleEndian ? this.buf.readBigUInt64LE(offset) : this.buf.readBigUInt64BE(offset);
    return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : Number.NaN;
  }

  /** A NUL-padded fixed-size name (PE and Mach-O section names). */
  fixedString(offset: number, length: number): string {
    const raw = this.buf.subarray(offset, offset + length);
    const nul = raw.indexOf(0);
    return raw.subarray(0, nul === -1 ? raw.length : nul).toString("latin1");
  }
}

/** A NUL-terminated string at `offset` of a string table, or undefined when out of range. */
export function cString(table: Buffer, offset: number): string | undefined {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset >= table.length) return undefined;
  const end = table.indexOf(0, offset);
  return table.subarray(offset, end === -1 ? table.length : end).toString("latin1");
}
