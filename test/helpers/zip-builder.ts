import { crc32, deflateRawSync } from "node:zlib";

/**
 * A tiny in-memory ZIP writer for tests, able to write the hostile archives no real tool makes:
 * lying sizes, overlapping entries, central directories pointing outside the file, ZIP64 records.
 */
export interface ZipSpecEntry {
  /** A Buffer is written verbatim (invalid UTF-8 names). */
  name: string | Buffer;
  data?: string | Buffer;
  /** Default: deflate, except for directories and empty data. */
  method?: "store" | "deflate";
  /** Compressed bytes written verbatim instead of compressing `data` (bombs too big to build). */
  deflated?: { bytes: Buffer; size: number; crc: number };
  /** Central directory fields to lie about. */
  lie?: Partial<{
    compressedSize: number;
    uncompressedSize: number;
    localHeaderOffset: number;
    crc32: number;
    method: number;
    flags: number;
  }>;
  /** No local header or data of its own: only a central directory entry (see `lie`). */
  centralOnly?: boolean;
}

export interface ZipSpec {
  /** Bytes before the archive, as in a self-executing jar with a launch script. */
  prefix?: Buffer;
  /** Write ZIP64 extra fields and end records whatever the sizes. */
  zip64?: boolean;
  comment?: string;
  /** End of central directory fields to lie about. */
  end?: Partial<{ entries: number; cdSize: number; cdOffset: number }>;
}

// 2024-01-01 00:00:00 in MS-DOS format, so archives are reproducible.
const DOS_TIME = 0;
const DOS_DATE = ((2024 - 1980) << 9) | (1 << 5) | 1;

interface Written {
  entry: ZipSpecEntry;
  name: Buffer;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  offset: number;
}

export function buildZip(entries: readonly ZipSpecEntry[], spec: ZipSpec = {}): Buffer {
  const chunks: Buffer[] = [];
  let offset = 0;
  const push = (b: Buffer) => {
    chunks.push(b);
    offset += b.length;
  };
  const prefixLength = spec.prefix?.length ?? 0;
  if (spec.prefix) push(spec.prefix);

  const written: Written[] = [];
  for (const entry of entries) {
    const name = typeof entry.name === "string" ? Buffer.from(entry.name, "utf8") : entry.name;
    const data = typeof entry.data === "string" ? Buffer.from(entry.data) : (entry.data ?? Buffer.alloc(0));
    let method: number;
    let body: Buffer;
    let crc: number;
    let size: number;
    if (entry.deflated) {
      method = 8;
      body = entry.deflated.bytes;
      crc = entry.deflated.crc;
      size = entry.deflated.size;
    } else {
      method = (entry.method ?? (data.length > 0 ? "deflate" : "store")) === "deflate" ? 8 : 0;
      body = method === 8 ? deflateRawSync(data) : data;
      crc = crc32(data);
      size = data.length;
    }
    const w: Written = {
      entry,
      name,
      method,
      crc,
      compressedSize: body.length,
      size,
      offset: offset - prefixLength,
    };
    written.push(w);
    if (entry.centralOnly) continue;
    const extra = spec.zip64 ? zip64Extra([size, body.length]) : Buffer.alloc(0);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(spec.zip64 ? 45 : 20, 4);
    header.writeUInt16LE(typeof entry.name === "string" ? 0x800 : 0, 6);
    header.writeUInt16LE(method, 8);
    header.writeUInt16LE(DOS_TIME, 10);
    header.writeUInt16LE(DOS_DATE, 12);
    header.writeUInt32LE(crc, 14);
    header.writeUInt32LE(spec.zip64 ? 0xffffffff : body.length, 18);
    header.writeUInt32LE(spec.zip64 ? 0xffffffff : size, 22);
    header.writeUInt16LE(name.length, 26);
    header.writeUInt16LE(extra.length, 28);
    push(header);
    push(name);
    push(extra);
    push(body);
  }

  const cdStart = offset - prefixLength;
  for (const w of written) {
    const lie = w.entry.lie ?? {};
    const compressedSize = lie.compressedSize ?? w.compressedSize;
    const size = lie.uncompressedSize ?? w.size;
    const localOffset = lie.localHeaderOffset ?? w.offset;
    const extra = spec.zip64 ? zip64Extra([size, compressedSize, localOffset]) : Buffer.alloc(0);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE((3 << 8) | 45, 4);
    header.writeUInt16LE(spec.zip64 ? 45 : 20, 6);
    header.writeUInt16LE(lie.flags ?? (typeof w.entry.name === "string" ? 0x800 : 0), 8);
    header.writeUInt16LE(lie.method ?? w.method, 10);
    header.writeUInt16LE(DOS_TIME, 12);
    header.writeUInt16LE(DOS_DATE, 14);
    header.writeUInt32LE(lie.crc32 ?? w.crc, 16);
    header.writeUInt32LE(spec.zip64 ? 0xffffffff : compressedSize, 20);
    header.writeUInt32LE(spec.zip64 ? 0xffffffff : size, 24);
    header.writeUInt16LE(w.name.length, 28);
    header.writeUInt16LE(extra.length, 30);
    header.writeUInt32LE(spec.zip64 ? 0xffffffff : localOffset, 42);
    push(header);
    push(w.name);
    push(extra);
  }
  const cdSize = offset - prefixLength - cdStart;

  const entryCount = spec.end?.entries ?? written.length;
  const cdSizeField = spec.end?.cdSize ?? cdSize;
  const cdOffsetField = spec.end?.cdOffset ?? cdStart;
  if (spec.zip64) {
    const eocd64Offset = offset - prefixLength;
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeUInt16LE(45, 12);
    record.writeUInt16LE(45, 14);
    record.writeBigUInt64LE(BigInt(entryCount), 24);
    record.writeBigUInt64LE(BigInt(entryCount), 32);
    record.writeBigUInt64LE(BigInt(cdSizeField), 40);
    record.writeBigUInt64LE(BigInt(cdOffsetField), 48);
    push(record);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(eocd64Offset), 8);
    locator.writeUInt32LE(1, 16);
    push(locator);
  }
  const comment = Buffer.from(spec.comment ?? "");
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(spec.zip64 ? 0xffff : entryCount, 8);
  end.writeUInt16LE(spec.zip64 ? 0xffff : entryCount, 10);
  end.writeUInt32LE(spec.zip64 ? 0xffffffff : cdSizeField, 12);
  end.writeUInt32LE(spec.zip64 ? 0xffffffff : cdOffsetField, 16);
  end.writeUInt16LE(comment.length, 20);
  push(end);
  push(comment);
  return Buffer.concat(chunks);
}

function zip64Extra(values: number[]): Buffer {
  const extra = Buffer.alloc(4 + 8 * values.length);
  extra.writeUInt16LE(0x0001, 0);
  extra.writeUInt16LE(8 * values.length, 2);
  values.forEach((v, i) => {
    extra.writeBigUInt64LE(BigInt(v), 4 + 8 * i);
  });
  return extra;
}

/** `size` zero bytes deflated at level 9, about 1000:1: the payload of a classic zip bomb. */
export function deflatedZeros(size: number): { bytes: Buffer; size: number; crc: number } {
  const zeros = Buffer.alloc(size);
  return { bytes: deflateRawSync(zeros, { level: 9 }), size, crc: crc32(zeros) };
}
