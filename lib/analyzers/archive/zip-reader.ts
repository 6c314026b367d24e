import { isUtf8 } from "node:buffer";
import { crc32, inflateRawSync } from "node:zlib";
import { ZipFormatError, ZipLimitError } from "./zip-errors.js";
import type { ZipBudget } from "./zip-limits.js";
import type { ZipOp } from "./zip-ops.js";

/**
 * A bounded ZIP reader (APPNOTE 6.3.10): the end of central directory record (ZIP64 when present),
 * the central directory, and the data of chosen entries, stored or deflated. It never trusts a
 * size it has not checked against the file and the caps, and never writes anything anywhere, so
 * entry names are plain strings (a "../" in one is just text).
 */

export interface ZipEntry {
  /** As recorded; decoded as UTF-8, with U+FFFD where the bytes were not valid UTF-8. */
  name: string;
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  /** Offset of the local header in the source, prepended bytes (launch scripts) accounted for. */
  localHeaderOffset: number;
  isDirectory: boolean;
}

export interface ZipDirectory {
  size: number;
  entries: ZipEntry[];
  /** Start of the central directory: no entry's data may reach past it. */
  dataEnd: number;
  /** Entries whose names were not valid UTF-8. */
  invalidNames: number;
}

export const METHOD_STORED = 0;
export const METHOD_DEFLATED = 8;

const EOCD_LEN = 22;
const MAX_COMMENT = 0xffff;
const LOCATOR64_SIG = 0x07064b50;
const LOCATOR64_LEN = 20;
const EOCD64_SIG = 0x06064b50;
const EOCD64_LEN = 56;
const CEN_SIG = 0x02014b50;
const CEN_LEN = 46;
const LOC_SIG = 0x04034b50;
const LOC_LEN = 30;
const ZIP64_EXTRA = 0x0001;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;
const FLAG_ENCRYPTED = 0x1;

/** 0x06054b50 little-endian, searched for as bytes. */
const EOCD_SIG_BYTES = Buffer.from([0x50, 0x4b, 0x05, 0x06]);

interface EndRecord {
  entries: number;
  cdSize: number;
  cdOffset: number;
  /** Where the central directory must end: the (ZIP64) end record. */
  cdEnd: number;
}

/**
 * Reads and checks the central directory. Throws ZipFormatError / ZipLimitError with scope
 * "archive", or "scan" when the file's shared budget runs out.
 */
export function* readZipDirectory(size: number, budget: ZipBudget): ZipOp<ZipDirectory> {
  const { limits } = budget;
  budget.openArchive();
  const end = yield* readEndRecord(size);
  // Bytes before the archive proper (a launch script) shift every offset; Java and Go allow it.
  const base = end.cdEnd - end.cdSize - end.cdOffset;
  if (base < 0 || end.cdSize > end.cdEnd) {
    throw new ZipFormatError(
      `central directory (${end.cdSize} bytes at ${end.cdOffset}) lies outside the file`,
      "archive",
    );
  }
  if (end.entries > limits.maxEntries) {
    throw new ZipLimitError(`${end.entries} entries exceed the cap of ${limits.maxEntries}`, "archive");
  }
  if (end.cdSize > limits.maxCentralDirectoryBytes) {
    throw new ZipLimitError(
      `central directory of ${end.cdSize} bytes exceeds the cap of ${limits.maxCentralDirectoryBytes}`,
      "archive",
    );
  }
  if (end.entries * CEN_LEN > end.cdSize) {
    throw new ZipFormatError(
      `central directory of ${end.cdSize} bytes cannot hold ${end.entries} entries`,
      "archive",
    );
  }
  budget.takeEntries(end.entries);
  const dataEnd = base + end.cdOffset;
  const cd = yield { offset: dataEnd, length: end.cdSize };
  const { entries, invalidNames } = parseCentralDirectory(cd, end.entries, base);
  checkExtents(entries, dataEnd);
  return { size, entries, dataEnd, invalidNames };
}

function* readEndRecord(size: number): ZipOp<EndRecord> {
  if (size < EOCD_LEN) throw new ZipFormatError(`${size} bytes is too small for a ZIP archive`, "archive");
  const tailLength = Math.min(size, EOCD_LEN + MAX_COMMENT);
  const tailStart = size - tailLength;
  const tail = yield { offset: tailStart, length: tailLength };
  const at = findEndRecord(tail);
  if (at < 0) {
    throw new ZipFormatError(
      "no end of central directory record: not a ZIP archive, or truncated",
      "archive",
    );
  }
  const eocdPos = tailStart + at;
  const disk = tail.readUInt16LE(at + 4);
  const cdDisk = tail.readUInt16LE(at + 6);
  const diskEntries = tail.readUInt16LE(at + 8);
  const record: EndRecord = {
    entries: tail.readUInt16LE(at + 10),
    cdSize: tail.readUInt32LE(at + 12),
    cdOffset: tail.readUInt32LE(at + 16),
    cdEnd: eocdPos,
  };
  if (eocdPos >= LOCATOR64_LEN) {
    const locator =
      at >= LOCATOR64_LEN
        ? tail.subarray(at - LOCATOR64_LEN, at)
        : yield { offset: eocdPos - LOCATOR64_LEN, length: LOCATOR64_LEN };
    if (locator.readUInt32LE(0) === LOCATOR64_SIG) return yield* readZip64EndRecord(locator, eocdPos);
  }
  if (disk !== 0 || cdDisk !== 0 || diskEntries !== record.entries) {
    throw new ZipFormatError("multi-disk (spanned) ZIP archives are not supported", "archive");
  }
  return record;
}

/** The last signature whose comment length fits the file, as Go's archive/zip searches it. */
function findEndRecord(tail: Buffer): number {
  let i = tail.lastIndexOf(EOCD_SIG_BYTES, tail.length - EOCD_LEN);
  while (i >= 0) {
    if (i + EOCD_LEN + tail.readUInt16LE(i + 20) <= tail.length) return i;
    i = i === 0 ? -1 : tail.lastIndexOf(EOCD_SIG_BYTES, i - 1);
  }
  return -1;
}

function* readZip64EndRecord(locator: Buffer, eocdPos: number): ZipOp<EndRecord> {
  if (locator.readUInt32LE(4) !== 0 || locator.readUInt32LE(16) > 1) {
    throw new ZipFormatError("multi-disk (spanned) ZIP64 archives are not supported", "archive");
  }
  const locatorPos = eocdPos - LOCATOR64_LEN;
  // Usually right before the locator; where it is not (an extensible data sector), trust the
  // locator's offset, which holds only when nothing was prepended to the archive.
  let pos = locatorPos - EOCD64_LEN;
  let record = pos >= 0 ? yield { offset: pos, length: EOCD64_LEN } : undefined;
  if (record?.readUInt32LE(0) !== EOCD64_SIG) {
    pos = readU64(locator, 8, "ZIP64 end record offset");
    if (pos + EOCD64_LEN > locatorPos) {
      throw new ZipFormatError(`ZIP64 end record offset ${pos} lies outside the file`, "archive");
    }
    record = yield { offset: pos, length: EOCD64_LEN };
    if (record.readUInt32LE(0) !== EOCD64_SIG) {
      throw new ZipFormatError("ZIP64 locator points at no ZIP64 end record", "archive");
    }
  }
  if (record.readUInt32LE(16) !== 0 || record.readUInt32LE(20) !== 0) {
    throw new ZipFormatError("multi-disk (spanned) ZIP64 archives are not supported", "archive");
  }
  return {
    entries: readU64(record, 32, "ZIP64 entry count"),
    cdSize: readU64(record, 40, "ZIP64 central directory size"),
    cdOffset: readU64(record, 48, "ZIP64 central directory offset"),
    cdEnd: pos,
  };
}

function readU64(buf: Buffer, offset: number, what: string): number {
  const value = buf.readBigUInt64LE(offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER))
    throw new ZipFormatError(`absurd ${what}: ${value}`, "archive");
  return Number(value);
}

function parseCentralDirectory(
  cd: Buffer,
  count: number,
  base: number,
): { entries: ZipEntry[]; invalidNames: number } {
  const entries: ZipEntry[] = [];
  let invalidNames = 0;
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + CEN_LEN > cd.length || cd.readUInt32LE(p) !== CEN_SIG) {
      throw new ZipFormatError(`central directory entry ${i} is missing or malformed`, "archive");
    }
    const nameLength = cd.readUInt16LE(p + 28);
    const extraLength = cd.readUInt16LE(p + 30);
    const commentLength = cd.readUInt16LE(p + 32);
    const nameStart = p + CEN_LEN;
    const next = nameStart + nameLength + extraLength + commentLength;
    if (next > cd.length) throw new ZipFormatError(`central directory entry ${i} is truncated`, "archive");
    const rawName = cd.subarray(nameStart, nameStart + nameLength);
    if (!isUtf8(rawName)) invalidNames += 1;
    const name = rawName.toString("utf8");
    let uncompressedSize = cd.readUInt32LE(p + 24);
    let compressedSize = cd.readUInt32LE(p + 20);
    let localHeaderOffset = cd.readUInt32LE(p + 42);
    const diskStart = cd.readUInt16LE(p + 34);
    if (uncompressedSize === U32_MAX || compressedSize === U32_MAX || localHeaderOffset === U32_MAX) {
      // ZIP64 extra field: the 8-byte values of the saturated fields, in this order.
      const extra = findExtra(cd.subarray(nameStart + nameLength, nameStart + nameLength + extraLength));
      let q = 0;
      const take = (what: string): number => {
        if (!extra || q + 8 > extra.length) {
          throw new ZipFormatError(`entry ${JSON.stringify(name)} lacks its ZIP64 ${what}`, "archive");
        }
        const value = readU64(extra, q, what);
        q += 8;
        return value;
      };
      if (uncompressedSize === U32_MAX) uncompressedSize = take("uncompressed size");
      if (compressedSize === U32_MAX) compressedSize = take("compressed size");
      if (localHeaderOffset === U32_MAX) localHeaderOffset = take("local header offset");
    }
    if (diskStart !== 0 && diskStart !== U16_MAX) {
      throw new ZipFormatError("multi-disk (spanned) ZIP archives are not supported", "archive");
    }
    entries.push({
      name,
      method: cd.readUInt16LE(p + 10),
      flags: cd.readUInt16LE(p + 8),
      crc32: cd.readUInt32LE(p + 16),
      compressedSize,
      uncompressedSize,
      localHeaderOffset: base + localHeaderOffset,
      isDirectory: name.endsWith("/"),
    });
    p = next;
  }
  return { entries, invalidNames };
}

function findExtra(extra: Buffer): Buffer | undefined {
  let p = 0;
  while (p + 4 <= extra.length) {
    const id = extra.readUInt16LE(p);
    const length = extra.readUInt16LE(p + 2);
    if (p + 4 + length > extra.length) return undefined;
    if (id === ZIP64_EXTRA) return extra.subarray(p + 4, p + 4 + length);
    p += 4 + length;
  }
  return undefined;
}

/**
 * Every entry must fit between its local header and the next one (or the central directory).
 * Entries sharing or overlapping data are how "better zip bombs" reach a 28-million ratio, so
 * the whole archive is refused, as Info-ZIP's unzip does. The local name and extra lengths are
 * not known yet, so the check uses a lower bound of each entry's extent.
 */
function checkExtents(entries: readonly ZipEntry[], dataEnd: number): void {
  const byOffset = [...entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  for (let i = 0; i < byOffset.length; i++) {
    const entry = byOffset[i] as ZipEntry;
    const minEnd = entry.localHeaderOffset + LOC_LEN + entry.compressedSize;
    const next = byOffset[i + 1];
    if (next && minEnd > next.localHeaderOffset) {
      throw new ZipLimitError(
        `entries ${JSON.stringify(entry.name)} and ${JSON.stringify(next.name)} overlap (a zip bomb or a corrupt archive)`,
        "archive",
      );
    }
    if (minEnd > dataEnd) {
      throw new ZipFormatError(
        `entry ${JSON.stringify(entry.name)} (${entry.compressedSize} bytes at ${entry.localHeaderOffset}) runs past the central directory`,
        "archive",
      );
    }
  }
}

/** Offset of an entry's data, after its local header. */
export function* zipEntryDataOffset(dir: ZipDirectory, entry: ZipEntry): ZipOp<number> {
  const header = yield { offset: entry.localHeaderOffset, length: LOC_LEN };
  if (header.readUInt32LE(0) !== LOC_SIG) {
    throw new ZipFormatError(`entry ${JSON.stringify(entry.name)} has no local header`, "entry");
  }
  const start = entry.localHeaderOffset + LOC_LEN + header.readUInt16LE(26) + header.readUInt16LE(28);
  if (start + entry.compressedSize > dir.dataEnd) {
    throw new ZipFormatError(`entry ${JSON.stringify(entry.name)} runs past the central directory`, "entry");
  }
  return start;
}

/**
 * An entry's inflated bytes, at most `maxSize` of them. Sizes are checked against the caps before
 * anything is read, and inflation stops at the declared size, so a lying header costs nothing.
 */
export function* readZipEntry(
  dir: ZipDirectory,
  entry: ZipEntry,
  budget: ZipBudget,
  maxSize: number = budget.limits.maxEntrySize,
): ZipOp<Buffer> {
  const { limits } = budget;
  const label = JSON.stringify(entry.name);
  if (entry.flags & FLAG_ENCRYPTED) throw new ZipFormatError(`entry ${label} is encrypted`, "entry");
  if (entry.method !== METHOD_STORED && entry.method !== METHOD_DEFLATED) {
    throw new ZipFormatError(`entry ${label} uses unsupported compression method ${entry.method}`, "entry");
  }
  if (entry.uncompressedSize > maxSize) {
    throw new ZipLimitError(
      `entry ${label} of ${entry.uncompressedSize} bytes exceeds the cap of ${maxSize}`,
      "entry",
    );
  }
  if (entry.method === METHOD_STORED && entry.compressedSize !== entry.uncompressedSize) {
    throw new ZipFormatError(`stored entry ${label} has different compressed and inflated sizes`, "entry");
  }
  if (
    entry.uncompressedSize >= limits.ratioMinSize &&
    entry.uncompressedSize > Math.max(entry.compressedSize, 1) * limits.maxRatio
  ) {
    const ratio = Math.round(entry.uncompressedSize / Math.max(entry.compressedSize, 1));
    throw new ZipLimitError(
      `entry ${label} claims a ${ratio}:1 compression ratio (cap ${limits.maxRatio}:1): a zip bomb`,
      "archive",
    );
  }
  const start = yield* zipEntryDataOffset(dir, entry);
  budget.takeBytes(entry.uncompressedSize);
  const raw = yield { offset: start, length: entry.compressedSize };
  const data = entry.method === METHOD_STORED ? raw : inflate(raw, entry, label);
  if (crc32(data) !== entry.crc32) throw new ZipFormatError(`entry ${label} fails its CRC-32 check`, "entry");
  return data;
}

function inflate(raw: Buffer, entry: ZipEntry, label: string): Buffer {
  let data: Buffer;
  try {
    // One byte of room beyond a zero declared size, so a lie about emptiness is still caught.
    data = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.uncompressedSize) });
  } catch (err) {
    if ((err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
      throw new ZipLimitError(
        `entry ${label} inflates past the ${entry.uncompressedSize} bytes its header declares: a zip bomb`,
        "archive",
        { cause: err },
      );
    }
    throw new ZipFormatError(`entry ${label} has corrupt deflate data`, "entry", { cause: err });
  }
  if (data.length !== entry.uncompressedSize) {
    throw new ZipFormatError(
      `entry ${label} inflates to ${data.length} bytes, not the ${entry.uncompressedSize} it declares`,
      "entry",
    );
  }
  return data;
}
