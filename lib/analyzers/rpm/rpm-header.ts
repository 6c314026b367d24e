import { RpmDatabaseError } from "./rpm-database-error.js";

/** The rpm tags the analyzer reads (rpm's lib/rpmtag.h). */
export const RpmTag = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  SIZE: 1009,
  VENDOR: 1011,
  LICENSE: 1014,
  ARCH: 1022,
  OLDFILENAMES: 1027,
  SOURCERPM: 1044,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
  MODULARITYLABEL: 5096,
} as const;

/** rpm's tag value types (rpmTagType). */
const TagType = {
  CHAR: 1,
  INT8: 2,
  INT16: 3,
  INT32: 4,
  INT64: 5,
  STRING: 6,
  BIN: 7,
  STRING_ARRAY: 8,
  I18NSTRING: 9,
} as const;

/** HEADER_IMAGE, HEADER_SIGNATURES, HEADER_IMMUTABLE: markers of an immutable region, not values. */
const REGION_TAGS: ReadonlySet<number> = new Set([61, 62, 63]);

/** rpm refuses headers with 2^16 or more index entries or 256 MiB or more of data (hdrchkTags/hdrchkData). */
const MAX_INDEX_ENTRIES = 0xffff;
const MAX_DATA_LENGTH = 256 * 1024 * 1024;
const ENTRY_SIZE = 16;

interface IndexEntry {
  type: number;
  /** Signed, relative to the start of the data store. */
  offset: number;
  count: number;
}

/**
 * A decoded rpm header as the package database stores it: the "header blob" without the 8-byte
 * header magic — int32 index count, int32 data length, 16-byte index entries, then the data store,
 * all big-endian. Values are decoded lazily and every read is bounds-checked against the data store.
 */
export interface RpmHeader {
  has(tag: number): boolean;
  /** STRING, I18NSTRING (first, the C locale) or STRING_ARRAY (first element). */
  string(tag: number): string | undefined;
  stringArray(tag: number): string[] | undefined;
  /** The first value of an integer tag (INT8/16/32 unsigned, INT64 as a Number). */
  integer(tag: number): number | undefined;
  /** Every value of an INT32 tag (e.g. DIRINDEXES). */
  int32Array(tag: number): number[] | undefined;
}

/**
 * Checks a header blob's counts against its length; throws RpmDatabaseError when they do not fit.
 * The index is searched per requested tag, from the end: entries after the immutable region
 * ("dribble" entries) replace region entries with the same tag, as in rpm's headerImport, and the
 * region tags themselves (61-63), which only delimit the signed part, are never returned. A few
 * lookups over ~100 entries cost less than indexing every entry of every header.
 */
export function parseRpmHeader(blob: Buffer): RpmHeader {
  if (blob.length < 8) throw new RpmDatabaseError(`header blob of ${blob.length} bytes is too short`);
  const indexCount = blob.readUInt32BE(0);
  const dataLength = blob.readUInt32BE(4);
  if (indexCount === 0 || indexCount > MAX_INDEX_ENTRIES) {
    throw new RpmDatabaseError(`header index count ${indexCount} is out of range`);
  }
  if (dataLength > MAX_DATA_LENGTH)
    throw new RpmDatabaseError(`header data length ${dataLength} is too large`);
  const dataStart = 8 + indexCount * ENTRY_SIZE;
  const dataEnd = dataStart + dataLength;
  if (dataEnd > blob.length) {
    throw new RpmDatabaseError(
      `header needs ${dataEnd} bytes (${indexCount} entries, ${dataLength} data bytes) but the blob has ${blob.length}`,
    );
  }

  return new BlobHeader(blob, indexCount, dataStart, dataEnd);
}

class BlobHeader implements RpmHeader {
  constructor(
    private readonly blob: Buffer,
    private readonly indexCount: number,
    private readonly dataStart: number,
    private readonly dataEnd: number,
  ) {}

  has(tag: number): boolean {
    return this.find(tag) !== undefined;
  }

  private find(tag: number): IndexEntry | undefined {
    if (REGION_TAGS.has(tag)) return undefined;
    for (let pos = 8 + (this.indexCount - 1) * ENTRY_SIZE; pos >= 8; pos -= ENTRY_SIZE) {
      if (this.blob.readUInt32BE(pos) === tag) {
        return {
          type: this.blob.readUInt32BE(pos + 4),
          offset: this.blob.readInt32BE(pos + 8),
          count: this.blob.readUInt32BE(pos + 12),
        };
      }
    }
    return undefined;
  }

  string(tag: number): string | undefined {
    const entry = this.find(tag);
    if (!entry) return undefined;
    switch (entry.type) {
      case TagType.STRING:
      case TagType.I18NSTRING:
      case TagType.STRING_ARRAY:
        if (entry.count < 1) throw this.error(tag, "has no strings");
        return this.readString(tag, this.start(tag, entry, 1)).value;
      default:
        throw this.error(tag, `has type ${entry.type}, not a string`);
    }
  }

  stringArray(tag: number): string[] | undefined {
    const entry = this.find(tag);
    if (!entry) return undefined;
    if (entry.type !== TagType.STRING_ARRAY && entry.type !== TagType.I18NSTRING) {
      if (entry.type === TagType.STRING) return [this.string(tag) as string];
      throw this.error(tag, `has type ${entry.type}, not a string array`);
    }
    // Each string takes at least its NUL byte, so a count beyond the data length is a lie.
    if (entry.count > this.dataEnd - this.dataStart)
      throw this.error(tag, `count ${entry.count} is too large`);
    const out: string[] = [];
    let pos = this.start(tag, entry, entry.count);
    for (let i = 0; i < entry.count; i++) {
      const { value, next } = this.readString(tag, pos);
      out.push(value);
      pos = next;
    }
    return out;
  }

  integer(tag: number): number | undefined {
    const entry = this.find(tag);
    if (!entry) return undefined;
    if (entry.count < 1) throw this.error(tag, "has no values");
    switch (entry.type) {
      case TagType.CHAR:
      case TagType.INT8:
        return this.blob.readUInt8(this.start(tag, entry, 1));
      case TagType.INT16:
        return this.blob.readUInt16BE(this.start(tag, entry, 2));
      case TagType.INT32:
        return this.blob.readUInt32BE(this.start(tag, entry, 4));
      case TagType.INT64:
        return Number(this.blob.readBigUInt64BE(this.start(tag, entry, 8)));
      default:
        throw this.error(tag, `has type ${entry.type}, not an integer`);
    }
  }

  int32Array(tag: number): number[] | undefined {
    const entry = this.find(tag);
    if (!entry) return undefined;
    if (entry.type !== TagType.INT32) throw this.error(tag, `has type ${entry.type}, not INT32`);
    if (entry.count > (this.dataEnd - this.dataStart) / 4)
      throw this.error(tag, `count ${entry.count} is too large`);
    const start = this.start(tag, entry, entry.count * 4);
    const out = new Array<number>(entry.count);
    for (let i = 0; i < entry.count; i++) out[i] = this.blob.readUInt32BE(start + i * 4);
    return out;
  }

  /** Absolute position of the entry's data, checked to leave `minBytes` inside the data store. */
  private start(tag: number, entry: IndexEntry, minBytes: number): number {
    const pos = this.dataStart + entry.offset;
    if (entry.offset < 0 || pos + minBytes > this.dataEnd) {
      throw this.error(
        tag,
        `offset ${entry.offset} is outside the ${this.dataEnd - this.dataStart}-byte data store`,
      );
    }
    return pos;
  }

  private readString(tag: number, pos: number): { value: string; next: number } {
    const nul = this.blob.indexOf(0, pos);
    if (nul === -1 || nul >= this.dataEnd) throw this.error(tag, "string runs past the data store");
    return { value: this.blob.toString("utf8", pos, nul), next: nul + 1 };
  }

  private error(tag: number, problem: string): RpmDatabaseError {
    return new RpmDatabaseError(`header tag ${tag} ${problem}`);
  }
}
