import { createHash } from "node:crypto";
import { VulnDbError } from "./errors.js";

/** See FORMAT.md for the byte layout; this file is its single encoder/decoder. */

/** "PCVDB" then CR LF SUB: text-mode transfers and `type`-style truncation break the magic. */
export const MAGIC = Buffer.from("PCVDB\r\n\u001a", "latin1");
export const FORMAT_VERSION = 1;
export const HEADER_LENGTH = 256;
/** Bytes [0, HEADER_HASHED) are covered by the header's own sha256 stored right after them. */
const HEADER_HASHED = 224;

export const SECTIONS = ["blocks", "pages", "directory", "metadata"] as const;
export type SectionName = (typeof SECTIONS)[number];

export interface Extent {
  offset: number;
  length: number;
}

export interface Header {
  formatVersion: number;
  fileSize: number;
  /** sha256 of bytes [HEADER_LENGTH, fileSize): checked by `verifyDatabase`, not at open. */
  bodySha256: Buffer;
  sections: Record<SectionName, Extent>;
  metadataSha256: Buffer;
  directorySha256: Buffer;
}

export function sha256(...parts: Buffer[]): Buffer {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest();
}

export function encodeHeader(header: Header): Buffer {
  const out = Buffer.alloc(HEADER_LENGTH);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(header.formatVersion, 8);
  out.writeUInt32LE(HEADER_LENGTH, 12);
  out.writeBigUInt64LE(BigInt(header.fileSize), 16);
  header.bodySha256.copy(out, 24);
  let at = 56;
  for (const name of SECTIONS) {
    out.writeBigUInt64LE(BigInt(header.sections[name].offset), at);
    out.writeBigUInt64LE(BigInt(header.sections[name].length), at + 8);
    at += 16;
  }
  header.metadataSha256.copy(out, 120);
  header.directorySha256.copy(out, 152);
  sha256(out.subarray(0, HEADER_HASHED)).copy(out, HEADER_HASHED);
  return out;
}

function readU64(bytes: Buffer, at: number): number {
  const value = bytes.readBigUInt64LE(at);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new VulnDbError(`header field at ${at} is out of range`);
  return Number(value);
}

/** Validates everything the header alone can tell: magic, version, checksum, section bounds. */
export function decodeHeader(bytes: Buffer, sourceSize: number): Header {
  if (bytes.length < HEADER_LENGTH || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new VulnDbError("not a Portcullis vulnerability DB (bad magic)");
  }
  const formatVersion = bytes.readUInt32LE(8);
  if (formatVersion !== FORMAT_VERSION) {
    throw new VulnDbError(
      `vulnerability DB format version ${formatVersion} is not supported (expected ${FORMAT_VERSION})`,
    );
  }
  if (bytes.readUInt32LE(12) !== HEADER_LENGTH)
    throw new VulnDbError("vulnerability DB header length mismatch");
  if (!sha256(bytes.subarray(0, HEADER_HASHED)).equals(bytes.subarray(HEADER_HASHED, HEADER_LENGTH))) {
    throw new VulnDbError("vulnerability DB header checksum mismatch");
  }
  const fileSize = readU64(bytes, 16);
  if (fileSize !== sourceSize) {
    throw new VulnDbError(
      `vulnerability DB is ${sourceSize} bytes but its header says ${fileSize} (truncated?)`,
    );
  }
  const sections = {} as Record<SectionName, Extent>;
  let at = 56;
  for (const name of SECTIONS) {
    const extent = { offset: readU64(bytes, at), length: readU64(bytes, at + 8) };
    if (extent.offset < HEADER_LENGTH || extent.offset + extent.length > fileSize) {
      throw new VulnDbError(`vulnerability DB section ${name} lies outside the file`);
    }
    sections[name] = extent;
    at += 16;
  }
  return {
    formatVersion,
    fileSize,
    bodySha256: Buffer.from(bytes.subarray(24, 56)),
    sections,
    metadataSha256: Buffer.from(bytes.subarray(120, 152)),
    directorySha256: Buffer.from(bytes.subarray(152, 184)),
  };
}

/** Unsigned LEB128 over safe integers (offsets may exceed 2^32). */
export function writeVarint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

/** A cursor over untrusted bytes: every read is bounds-checked and fails as VulnDbError. */
export class Reader {
  at = 0;
  constructor(
    readonly bytes: Buffer,
    private readonly what: string,
  ) {}

  get done(): boolean {
    return this.at >= this.bytes.length;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const byte = this.bytes[this.at++];
      if (byte === undefined) throw new VulnDbError(`${this.what} is truncated`);
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
    throw new VulnDbError(`${this.what} has an overlong number`);
  }

  take(length: number): Buffer {
    if (length > this.bytes.length - this.at) throw new VulnDbError(`${this.what} is truncated`);
    const out = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    return out;
  }
}

/**
 * Where one record lives: its compressed block (offset and length in the file, checksum inside)
 * and its slice of the block once decompressed. Fixed 20 bytes so a ref list needs no framing.
 */
export interface RecordRef {
  blockOffset: number;
  blockLength: number;
  start: number;
  length: number;
}

export const REF_LENGTH = 20;

export function encodeRef(ref: RecordRef, out: Buffer, at: number): void {
  out.writeBigUInt64LE(BigInt(ref.blockOffset), at);
  out.writeUInt32LE(ref.blockLength, at + 8);
  out.writeUInt32LE(ref.start, at + 12);
  out.writeUInt32LE(ref.length, at + 16);
}

export function decodeRefs(bytes: Buffer, what: string): RecordRef[] {
  if (bytes.length % REF_LENGTH !== 0) throw new VulnDbError(`${what} has a malformed record list`);
  const refs: RecordRef[] = [];
  for (let at = 0; at < bytes.length; at += REF_LENGTH) {
    refs.push({
      blockOffset: Number(bytes.readBigUInt64LE(at)),
      blockLength: bytes.readUInt32LE(at + 8),
      start: bytes.readUInt32LE(at + 12),
      length: bytes.readUInt32LE(at + 16),
    });
  }
  return refs;
}

/** The sorted tables, in directory order. */
export const TABLES = ["packages", "ids", "aliases", "enrichment"] as const;
export type TableName = (typeof TABLES)[number];

export interface PageEntry {
  firstKey: Buffer;
  offset: number;
  length: number;
  sha256: Buffer;
}

export type Directory = Record<TableName, PageEntry[]>;

export function encodeDirectory(directory: Directory): Buffer {
  const out: number[] = [];
  writeVarint(out, TABLES.length);
  const parts: Buffer[] = [];
  for (const table of TABLES) {
    writeVarint(out, directory[table].length);
    for (const page of directory[table]) {
      writeVarint(out, page.firstKey.length);
      parts.push(Buffer.from(out.splice(0)), page.firstKey);
      writeVarint(out, page.offset);
      writeVarint(out, page.length);
      parts.push(Buffer.from(out.splice(0)), page.sha256);
    }
  }
  parts.push(Buffer.from(out));
  return Buffer.concat(parts);
}

export function decodeDirectory(bytes: Buffer, pages: Extent): Directory {
  const reader = new Reader(bytes, "vulnerability DB page directory");
  if (reader.varint() !== TABLES.length)
    throw new VulnDbError("vulnerability DB page directory is malformed");
  const directory = {} as Directory;
  for (const table of TABLES) {
    const count = reader.varint();
    const entries: PageEntry[] = [];
    for (let i = 0; i < count; i++) {
      const firstKey = Buffer.from(reader.take(reader.varint()));
      const offset = reader.varint();
      const length = reader.varint();
      const sha = Buffer.from(reader.take(32));
      if (offset < pages.offset || offset + length > pages.offset + pages.length) {
        throw new VulnDbError(`vulnerability DB page of ${table} lies outside the page section`);
      }
      entries.push({ firstKey, offset, length, sha256: sha });
    }
    directory[table] = entries;
  }
  return directory;
}

/** A page, before compression: (varint key length, key, varint value length, value)*. */
export function encodePage(entries: Array<[Buffer, Buffer]>): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of entries) {
    const head: number[] = [];
    writeVarint(head, key.length);
    parts.push(Buffer.from(head), key);
    const mid: number[] = [];
    writeVarint(mid, value.length);
    parts.push(Buffer.from(mid), value);
  }
  return Buffer.concat(parts);
}

export function decodePage(bytes: Buffer, what: string): Array<[Buffer, Buffer]> {
  const reader = new Reader(bytes, what);
  const entries: Array<[Buffer, Buffer]> = [];
  while (!reader.done) {
    const key = reader.take(reader.varint());
    const value = reader.take(reader.varint());
    entries.push([key, value]);
  }
  return entries;
}
