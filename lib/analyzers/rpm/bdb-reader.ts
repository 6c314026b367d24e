import { RpmDatabaseError, type Warn } from "./rpm-database-error.js";

/**
 * Berkeley DB hash databases as rpm up to 4.15 kept `Packages` (RHEL/CentOS 5-8, Amazon Linux 2):
 * key = package number, value = header blob. Layouts from libdb's dbinc/db_page.h:
 *   - page 0, the hash metadata page: magic 0x061561 at 12, version at 16, page size at 20, encryption
 *     at 24, page type 8 at 25, meta flags at 26, last page number at 32, number of keys at 88;
 *   - every page: page number at 8, next page at 16, entry count at 20, high free offset at 22, type
 *     at 25, then (26 bytes on, 32 with checksums) the entry offsets;
 *   - hash pages (type 13, or 2 unsorted): key/value items in pairs, growing down from the page end;
 *     an item is a type byte, then either its bytes (H_KEYDATA 1) or {page, length} of an overflow
 *     chain (H_OFFPAGE 3, 12 bytes);
 *   - overflow pages (type 7): the high free offset is the length of the data on the page.
 * Integers are in the byte order of the machine that wrote the file, which the magic tells.
 * Pages are scanned in file order, so the (unneeded) hash function never has to be reproduced.
 */

const HASH_MAGIC = 0x061561;
const PAGE_HASH_UNSORTED = 2;
const PAGE_OVERFLOW = 7;
const PAGE_HASH_META = 8;
const PAGE_HASH = 13;
const ITEM_KEYDATA = 1;
const ITEM_DUPLICATE = 2;
const ITEM_OFFPAGE = 3;
const ITEM_OFFDUP = 4;
const PAGE_HEADER_SIZE = 26;
/** With DBMETA_CHKSUM, pages carry 2 alignment bytes and a 4-byte checksum after the header. */
const PAGE_HEADER_SIZE_CHECKSUM = 32;
const META_FLAG_CHECKSUM = 0x01;
const SUPPORTED_VERSIONS: ReadonlySet<number> = new Set([8, 9, 10]);
/** The smallest rpm header blob (counts plus one index entry); anything shorter is rpm's counter record. */
const MIN_HEADER_BLOB = 24;

export function isBdbHashDatabase(bytes: Buffer): boolean {
  return (
    bytes.length >= 16 && (bytes.readUInt32LE(12) === HASH_MAGIC || bytes.readUInt32BE(12) === HASH_MAGIC)
  );
}

/** Reads integers in the database's byte order. */
interface Order {
  u16(bytes: Buffer, pos: number): number;
  u32(bytes: Buffer, pos: number): number;
}
const LITTLE: Order = { u16: (b, p) => b.readUInt16LE(p), u32: (b, p) => b.readUInt32LE(p) };
const BIG: Order = { u16: (b, p) => b.readUInt16BE(p), u32: (b, p) => b.readUInt32BE(p) };

interface Layout {
  bytes: Buffer;
  order: Order;
  pageSize: number;
  pageCount: number;
  headerSize: number;
  /** The key count the metadata page recorded when the database was last closed. */
  keys: number;
}

/** Every value of the hash that looks like a header blob, in page order. */
export function* readBdbPackageBlobs(bytes: Buffer, warn: Warn): Generator<Buffer> {
  const layout = readMetadata(bytes, warn);
  const { order, pageSize } = layout;
  let unsupportedItems = 0;
  // Each overflow page belongs to one item; refusing shared ones keeps the work linear in the file size.
  const overflowPages = new Set<number>();
  let pairs = 0;
  for (let page = 1; page < layout.pageCount; page++) {
    const base = page * pageSize;
    const type = bytes[base + 25] as number;
    if (type !== PAGE_HASH && type !== PAGE_HASH_UNSORTED) continue;
    // A page that does not know its own number is garbage (or zeroed), whatever its type byte says.
    if (order.u32(bytes, base + 8) !== page) {
      warn(`Berkeley DB page ${page} carries page number ${order.u32(bytes, base + 8)}; skipped`);
      continue;
    }
    let offsets: number[];
    try {
      offsets = itemOffsets(layout, page);
    } catch (err) {
      warn(errorMessage(err));
      continue;
    }
    pairs += offsets.length / 2;
    // Items come in key/value pairs; only values (odd indexes) can be headers.
    for (let i = 1; i < offsets.length; i += 2) {
      const offset = offsets[i] as number;
      const end = offsets[i - 1] as number;
      const itemType = bytes[base + offset] as number;
      try {
        if (itemType === ITEM_KEYDATA) {
          if (end <= offset) throw new RpmDatabaseError(`Berkeley DB page ${page} item ${i} has no length`);
          const value = bytes.subarray(base + offset + 1, base + end);
          if (value.length >= MIN_HEADER_BLOB) yield value;
        } else if (itemType === ITEM_OFFPAGE) {
          if (offset + 12 > end)
            throw new RpmDatabaseError(`Berkeley DB page ${page} item ${i} is truncated`);
          const first = order.u32(bytes, base + offset + 4);
          const value = readOverflow(layout, first, order.u32(bytes, base + offset + 8), overflowPages);
          if (value.length >= MIN_HEADER_BLOB) yield value;
        } else if (itemType === ITEM_DUPLICATE || itemType === ITEM_OFFDUP) {
          unsupportedItems++;
        } else {
          throw new RpmDatabaseError(`Berkeley DB page ${page} item ${i} has unknown type ${itemType}`);
        }
      } catch (err) {
        warn(`${errorMessage(err)}; skipped`);
      }
    }
  }
  // A zeroed or overwritten hash page loses its items without a trace but this count.
  if (pairs < layout.keys)
    warn(`Berkeley DB metadata counts ${layout.keys} keys but only ${pairs} were found`);
  if (unsupportedItems > 0)
    warn(`${unsupportedItems} Berkeley DB duplicate item(s) ignored (rpm never writes them)`);
}

function readMetadata(bytes: Buffer, warn: Warn): Layout {
  if (!isBdbHashDatabase(bytes))
    throw new RpmDatabaseError("not a Berkeley DB hash database (no hash magic)");
  if (bytes.length < 512) throw new RpmDatabaseError("Berkeley DB metadata page is truncated");
  const order = bytes.readUInt32LE(12) === HASH_MAGIC ? LITTLE : BIG;
  const version = order.u32(bytes, 16);
  if (!SUPPORTED_VERSIONS.has(version))
    throw new RpmDatabaseError(`Berkeley DB hash version ${version} is not supported`);
  const pageSize = order.u32(bytes, 20);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    throw new RpmDatabaseError(`Berkeley DB page size ${pageSize} is invalid`);
  }
  if (bytes[24] !== 0) throw new RpmDatabaseError("Berkeley DB database is encrypted");
  if (bytes[25] !== PAGE_HASH_META)
    throw new RpmDatabaseError(`Berkeley DB page 0 has type ${bytes[25]}, not hash metadata`);
  const headerSize =
    ((bytes[26] as number) & META_FLAG_CHECKSUM) !== 0 ? PAGE_HEADER_SIZE_CHECKSUM : PAGE_HEADER_SIZE;
  const lastPage = order.u32(bytes, 32);
  let pageCount = Math.floor(bytes.length / pageSize);
  if (lastPage + 1 < pageCount) pageCount = lastPage + 1;
  else if (lastPage + 1 > pageCount) {
    warn(`Berkeley DB file holds ${pageCount} of its ${lastPage + 1} pages (truncated)`);
  }
  return { bytes, order, pageSize, pageCount, headerSize, keys: order.u32(bytes, 88) };
}

/** A page's item offsets, each checked to point past the offset array and inside the page. */
function itemOffsets(layout: Layout, page: number): number[] {
  const { bytes, order, pageSize, headerSize } = layout;
  const base = page * pageSize;
  const entries = order.u16(bytes, base + 20);
  const arrayEnd = headerSize + entries * 2;
  if (arrayEnd > pageSize)
    throw new RpmDatabaseError(`Berkeley DB page ${page} claims ${entries} items, more than fit`);
  const offsets: number[] = [];
  let previous = pageSize;
  for (let i = 0; i < entries; i++) {
    const offset = order.u16(bytes, base + headerSize + i * 2);
    // Items are packed downwards from the page end, so each starts below the one before.
    if (offset < arrayEnd || offset >= previous) {
      throw new RpmDatabaseError(`Berkeley DB page ${page} item ${i} offset ${offset} is out of range`);
    }
    offsets.push(offset);
    previous = offset;
  }
  // The first item ends at the page end; offsets[i - 1] is item i's end.
  return entries % 2 === 0 ? offsets : offsets.slice(0, -1);
}

/** Concatenates an overflow chain, bounded by the item's declared length and by the pages already used. */
function readOverflow(layout: Layout, firstPage: number, length: number, used: Set<number>): Buffer {
  const { bytes, order, pageSize, pageCount, headerSize } = layout;
  // Walk the chain before allocating, so a corrupt length cannot make us allocate for nothing.
  const pieces: Array<{ start: number; size: number }> = [];
  let found = 0;
  let page = firstPage;
  while (found < length) {
    if (page === 0 || page >= pageCount || used.has(page)) {
      throw new RpmDatabaseError(
        `Berkeley DB overflow chain broken at page ${page} after ${found} of ${length} bytes`,
      );
    }
    used.add(page);
    const base = page * pageSize;
    if (bytes[base + 25] !== PAGE_OVERFLOW) {
      throw new RpmDatabaseError(
        `Berkeley DB page ${page} in an overflow chain has type ${bytes[base + 25]}`,
      );
    }
    const size = order.u16(bytes, base + 22);
    if (size > pageSize - headerSize || size > length - found) {
      throw new RpmDatabaseError(`Berkeley DB overflow page ${page} holds ${size} bytes, more than fit`);
    }
    pieces.push({ start: base + headerSize, size });
    found += size;
    page = order.u32(bytes, base + 16);
  }
  const out = Buffer.allocUnsafe(length);
  let filled = 0;
  for (const { start, size } of pieces) {
    bytes.copy(out, filled, start, start + size);
    filled += size;
  }
  return out;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
