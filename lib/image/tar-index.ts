import { createReadStream } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { Readable } from "node:stream";
import { LimitExceededError, SourceError } from "../errors.js";

export type TarEntryType = "file" | "dir" | "symlink" | "link" | "other";

export interface TarEntry {
  /** Byte offset of the member's data in the tar file. */
  offset: number;
  size: number;
  type: TarEntryType;
  /** Target of a symlink or hard link. */
  linkname?: string;
}

export interface TarIndexOptions {
  /** Cap on member count; an image archive has a handful per layer. */
  maxEntries?: number;
}

const BLOCK = 512;
// PAX and GNU long-name records carry a path, not file data; anything bigger is hostile.
const MAX_META_SIZE = 1024 * 1024;
const DEFAULT_MAX_ENTRIES = 1_000_000;

/**
 * Reads the member table of an uncompressed tar by reading only the 512-byte headers at their
 * offsets and seeking over the data, so indexing a multi-GB `docker save` costs a few KB of I/O.
 * Keys are normalized member paths: no leading "./" or "/", no trailing "/". A later member with the
 * same path replaces the earlier one, as extraction would.
 */
export async function readTarIndex(
  file: string,
  options: TarIndexOptions = {},
): Promise<Map<string, TarEntry>> {
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  let handle: FileHandle;
  try {
    handle = await open(file, "r");
  } catch (err) {
    throw new SourceError(`cannot open ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      cause: err,
    });
  }
  try {
    const fileSize = (await handle.stat()).size;
    const entries = new Map<string, TarEntry>();
    const header = Buffer.alloc(BLOCK);
    let pos = 0;
    // Overrides from a PAX 'x' record or GNU 'L'/'K' record for the next header only.
    let pending: { path?: string; linkpath?: string; size?: number } = {};

    for (;;) {
      const { bytesRead } = await handle.read(header, 0, BLOCK, pos);
      if (bytesRead === 0) break; // EOF without end blocks: tolerated, as GNU tar does.
      if (bytesRead < BLOCK) throw new SourceError(`${file}: truncated tar header at offset ${pos}`);
      if (isZeroBlock(header)) break; // End-of-archive marker.
      verifyChecksum(header, file, pos);

      const typeflag = header[156] === 0 ? "0" : String.fromCharCode(header[156] ?? 0);
      const isMeta = typeflag === "x" || typeflag === "g" || typeflag === "L" || typeflag === "K";
      const headerSize = parseNumber(header, 124, 12, file, pos);
      const size = isMeta ? headerSize : (pending.size ?? headerSize);
      const dataOffset = pos + BLOCK;
      if (dataOffset + size > fileSize) {
        throw new SourceError(`${file}: truncated tar: member at offset ${pos} extends past end of file`);
      }
      const next = dataOffset + Math.ceil(size / BLOCK) * BLOCK;

      if (typeflag === "x" || typeflag === "L" || typeflag === "K") {
        if (size > MAX_META_SIZE) {
          throw new SourceError(
            `${file}: tar extended header of ${size} bytes at offset ${pos} is too large`,
          );
        }
        const data = Buffer.alloc(size);
        await handle.read(data, 0, size, dataOffset);
        if (typeflag === "x") pending = { ...pending, ...parsePax(data, file, pos) };
        else if (typeflag === "L") pending.path = cString(data);
        else pending.linkpath = cString(data);
        pos = next;
        continue;
      }
      if (typeflag === "g") {
        // Global PAX headers set defaults (often just a comment); nothing we need.
        pos = next;
        continue;
      }

      const name = pending.path ?? headerName(header);
      const linkname = pending.linkpath ?? cString(header.subarray(157, 257));
      pending = {};
      const type = entryType(typeflag);
      const entry: TarEntry = { offset: dataOffset, size: type === "file" ? size : 0, type };
      if (type === "symlink" || type === "link") entry.linkname = linkname;
      const key = normalizeMemberPath(name);
      if (key !== "") {
        entries.delete(key); // Re-insert so iteration order follows the archive's last occurrence.
        entries.set(key, entry);
        if (entries.size > maxEntries) {
          throw new LimitExceededError(`${file}: more than ${maxEntries} tar members`);
        }
      }
      pos = next;
    }
    return entries;
  } finally {
    await handle.close();
  }
}

/** A stream of one member's bytes, read straight from the tar file. */
export function openTarMember(file: string, entry: TarEntry): Readable {
  if (entry.size === 0) return Readable.from([]);
  return createReadStream(file, {
    start: entry.offset,
    end: entry.offset + entry.size - 1,
    highWaterMark: 1024 * 1024,
  });
}

/** "./a//b/" → "a/b"; the form both index keys and lookups use. */
export function normalizeMemberPath(name: string): string {
  return name
    .split("/")
    .filter((part) => part !== "" && part !== ".")
    .join("/");
}

function entryType(flag: string): TarEntryType {
  switch (flag) {
    case "0":
    case "7": // Contiguous file: a regular file everywhere that matters.
      return "file";
    case "1":
      return "link";
    case "2":
      return "symlink";
    case "5":
      return "dir";
    default:
      return "other";
  }
}

function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

function verifyChecksum(header: Buffer, file: string, pos: number): void {
  const stored = parseOctal(header.subarray(148, 156));
  // Sum with the checksum field counted as spaces; some old tars summed signed bytes.
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0);
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  if (stored === undefined || (stored !== unsigned && stored !== signed)) {
    throw new SourceError(`${file}: not a tar file or corrupt tar header at offset ${pos} (bad checksum)`);
  }
}

function headerName(header: Buffer): string {
  const name = cString(header.subarray(0, 100));
  // POSIX ustar ("ustar\0") joins prefix/name; GNU tar ("ustar  ") uses those bytes for times.
  const isUstar = header.subarray(257, 263).toString("latin1") === "ustar\0";
  if (isUstar && header[345] !== 0) return `${cString(header.subarray(345, 500))}/${name}`;
  return name;
}

function cString(buf: Buffer): string {
  const end = buf.indexOf(0);
  return buf.subarray(0, end === -1 ? buf.length : end).toString("utf8");
}

function parseOctal(field: Buffer): number | undefined {
  const text = field.toString("latin1").replace(/\0.*$/s, "").trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) return undefined;
  return Number.parseInt(text, 8);
}

/** Octal, or GNU base-256 (high bit of the first byte set) for sizes of 8 GiB and more. */
function parseNumber(header: Buffer, offset: number, length: number, file: string, pos: number): number {
  const field = header.subarray(offset, offset + length);
  const first = field[0] ?? 0;
  if (first & 0x80) {
    if (first & 0x40) throw new SourceError(`${file}: negative size in tar header at offset ${pos}`);
    let value = first & 0x3f;
    for (let i = 1; i < field.length; i++) value = value * 256 + (field[i] ?? 0);
    if (!Number.isSafeInteger(value)) throw new SourceError(`${file}: tar size too large at offset ${pos}`);
    return value;
  }
  const value = parseOctal(field);
  if (value === undefined) throw new SourceError(`${file}: invalid size in tar header at offset ${pos}`);
  return value;
}

/** PAX records: "<len> <key>=<value>\n", len counting the whole record. */
function parsePax(
  data: Buffer,
  file: string,
  pos: number,
): { path?: string; linkpath?: string; size?: number } {
  const out: { path?: string; linkpath?: string; size?: number } = {};
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    if (space === -1) break;
    const len = Number.parseInt(data.subarray(i, space).toString("latin1"), 10);
    if (!Number.isInteger(len) || len <= 0 || i + len > data.length) {
      if (data.subarray(i).every((b) => b === 0)) break; // Zero padding after the last record.
      throw new SourceError(`${file}: malformed PAX header at offset ${pos}`);
    }
    const record = data.subarray(space + 1, i + len - 1).toString("utf8");
    const eq = record.indexOf("=");
    if (eq !== -1) {
      const key = record.slice(0, eq);
      const value = record.slice(eq + 1);
      if (key === "path") out.path = value;
      else if (key === "linkpath") out.linkpath = value;
      else if (key === "size") {
        const size = Number(value);
        if (!Number.isSafeInteger(size) || size < 0) {
          throw new SourceError(`${file}: invalid PAX size at offset ${pos}`);
        }
        out.size = size;
      }
    }
    i += len;
  }
  return out;
}
