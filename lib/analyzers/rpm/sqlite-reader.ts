import { RpmDatabaseError, type Warn } from "./rpm-database-error.js";
import { decodeRecord, readVarint, type SqliteValue } from "./sqlite-record.js";

export type { SqliteValue } from "./sqlite-record.js";

/**
 * A read-only reader of SQLite database files (https://www.sqlite.org/fileformat2.html), just enough
 * to list a rowid table's rows: the 100-byte header, table b-trees, overflow chains and records.
 * Indexes, WITHOUT ROWID tables, freelists and the journal are not read.
 *
 * It sees only the main file. A database in WAL mode (rpm's default) whose last transactions are
 * still in the `-wal` file next to it reads as of the last checkpoint; rpm checkpoints when it
 * closes the database, so an image built by rpm/dnf normally has everything in the main file.
 */

export interface SqliteTable {
  name: string;
  rootPage: number;
  sql: string;
}

export interface SqliteDatabase {
  pageSize: number;
  /** Page size less the reserved bytes at the end of each page. */
  usableSize: number;
  /** Number of whole pages in the buffer. */
  pageCount: number;
  /** The header says the database uses a write-ahead log. */
  walMode: boolean;
  /**
   * Tables listed in sqlite_schema; damage to the schema is reported through `warn`, and throws when
   * no table at all can be read.
   */
  tables(warn?: Warn): SqliteTable[];
  /** The rows of the table b-tree at `rootPage`, in rowid order; damaged pages are skipped with a warning. */
  rows(rootPage: number, warn: Warn): Generator<SqliteValue[]>;
}

const MAGIC = "SQLite format 3\0";
const HEADER_SIZE = 100;
const PAGE_INTERIOR_TABLE = 0x05;
const PAGE_LEAF_TABLE = 0x0d;
const PAGE_INTERIOR_INDEX = 0x02;
const PAGE_LEAF_INDEX = 0x0a;
/** A b-tree deeper than this is a loop in disguise: a real one is a handful of levels deep. */
const MAX_TREE_DEPTH = 40;

export function isSqliteDatabase(bytes: Buffer): boolean {
  return bytes.length >= MAGIC.length && bytes.toString("latin1", 0, MAGIC.length) === MAGIC;
}

/** Validates the header; throws RpmDatabaseError when the file is not a SQLite database we can read. */
export function openSqliteDatabase(bytes: Buffer): SqliteDatabase {
  if (!isSqliteDatabase(bytes)) throw new RpmDatabaseError("not a SQLite database (no header magic)");
  if (bytes.length < HEADER_SIZE) throw new RpmDatabaseError("SQLite header is truncated");
  const rawPageSize = bytes.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    throw new RpmDatabaseError(`SQLite page size ${rawPageSize} is invalid`);
  }
  const readVersion = bytes[19] as number;
  if (readVersion > 2)
    throw new RpmDatabaseError(`SQLite file format read version ${readVersion} is unknown`);
  const usableSize = pageSize - (bytes[20] as number);
  if (usableSize < 480) throw new RpmDatabaseError(`SQLite usable page size ${usableSize} is too small`);
  const encoding = bytes.readUInt32BE(56);
  if (encoding > 3) throw new RpmDatabaseError(`SQLite text encoding ${encoding} is unknown`);
  // The header's page count can be stale (files written by old versions); the bytes we hold are the truth.
  const pageCount = Math.floor(bytes.length / pageSize);
  if (pageCount < 1) throw new RpmDatabaseError("SQLite file is shorter than one page");
  return new SqliteFile(bytes, pageSize, usableSize, pageCount, readVersion === 2, encoding);
}

class SqliteFile implements SqliteDatabase {
  constructor(
    private readonly bytes: Buffer,
    readonly pageSize: number,
    readonly usableSize: number,
    readonly pageCount: number,
    readonly walMode: boolean,
    private readonly encoding: number,
  ) {}

  tables(warn?: Warn): SqliteTable[] {
    const tables: SqliteTable[] = [];
    const problems: string[] = [];
    for (const row of this.rows(1, (m) => problems.push(m))) {
      const [type, name, , rootPage, sql] = row;
      if (type === "table" && typeof name === "string" && typeof rootPage === "number") {
        tables.push({ name, rootPage, sql: typeof sql === "string" ? sql : "" });
      }
    }
    // Without a readable schema nothing else can be found, so this one is fatal.
    if (tables.length === 0 && problems.length > 0) {
      throw new RpmDatabaseError(`SQLite schema is unreadable: ${problems[0]}`);
    }
    for (const problem of problems) warn?.(`schema: ${problem}`);
    return tables;
  }

  *rows(rootPage: number, warn: Warn): Generator<SqliteValue[]> {
    const visited = new Set<number>();
    // Each overflow page belongs to one record; sharing one means corruption, and refusing it keeps
    // the total work linear in the file size whatever the pointers say.
    const overflowPages = new Set<number>();
    // Depth-first, children pushed in reverse so rows come out in rowid order.
    const stack: Array<{ page: number; depth: number }> = [{ page: rootPage, depth: 0 }];
    while (stack.length > 0) {
      const { page, depth } = stack.pop() as { page: number; depth: number };
      if (!this.isPageNumber(page)) {
        warn(
          `SQLite b-tree points to page ${page}, outside the ${this.pageCount}-page file; subtree skipped`,
        );
        continue;
      }
      if (visited.has(page)) {
        warn(`SQLite b-tree page ${page} is reached twice (a cycle); subtree skipped`);
        continue;
      }
      if (depth > MAX_TREE_DEPTH) {
        warn(`SQLite b-tree is deeper than ${MAX_TREE_DEPTH} levels at page ${page}; subtree skipped`);
        continue;
      }
      visited.add(page);
      const base = (page - 1) * this.pageSize;
      const headerAt = page === 1 ? HEADER_SIZE : 0;
      const type = this.bytes[base + headerAt] as number;
      if (type === PAGE_INTERIOR_TABLE) {
        let children: number[];
        try {
          children = this.interiorChildren(page, base, headerAt);
        } catch (err) {
          warn(`${errorMessage(err)}; subtree skipped`);
          continue;
        }
        for (let i = children.length - 1; i >= 0; i--)
          stack.push({ page: children[i] as number, depth: depth + 1 });
      } else if (type === PAGE_LEAF_TABLE) {
        yield* this.leafRows(page, base, headerAt, overflowPages, warn);
      } else if (type === PAGE_INTERIOR_INDEX || type === PAGE_LEAF_INDEX) {
        warn(`SQLite page ${page} is an index page inside a table b-tree; skipped`);
      } else {
        warn(`SQLite page ${page} has unknown b-tree page type ${type}; skipped`);
      }
    }
  }

  private isPageNumber(page: number): boolean {
    return Number.isInteger(page) && page >= 1 && page <= this.pageCount;
  }

  /** Cell pointers of a b-tree page, each checked to lie inside the page's usable area. */
  private cellOffsets(page: number, base: number, headerAt: number, headerSize: number): number[] {
    const cells = this.bytes.readUInt16BE(base + headerAt + 3);
    const arrayStart = headerAt + headerSize;
    if (arrayStart + cells * 2 > this.usableSize) {
      throw new RpmDatabaseError(`SQLite page ${page} claims ${cells} cells, more than fit`);
    }
    const offsets: number[] = new Array(cells);
    for (let i = 0; i < cells; i++) {
      const offset = this.bytes.readUInt16BE(base + arrayStart + i * 2);
      if (offset < arrayStart + cells * 2 || offset >= this.usableSize) {
        throw new RpmDatabaseError(`SQLite page ${page} cell ${i} offset ${offset} is out of range`);
      }
      offsets[i] = offset;
    }
    return offsets;
  }

  private interiorChildren(page: number, base: number, headerAt: number): number[] {
    const children: number[] = [];
    for (const offset of this.cellOffsets(page, base, headerAt, 12)) {
      if (offset + 4 > this.usableSize) throw new RpmDatabaseError(`SQLite page ${page} cell is truncated`);
      children.push(this.bytes.readUInt32BE(base + offset));
    }
    children.push(this.bytes.readUInt32BE(base + headerAt + 8));
    return children;
  }

  private *leafRows(
    page: number,
    base: number,
    headerAt: number,
    overflowPages: Set<number>,
    warn: Warn,
  ): Generator<SqliteValue[]> {
    let offsets: number[];
    try {
      offsets = this.cellOffsets(page, base, headerAt, 8);
    } catch (err) {
      warn(errorMessage(err));
      return;
    }
    for (const offset of offsets) {
      let record: SqliteValue[];
      try {
        record = decodeRecord(this.cellPayload(page, base, offset, overflowPages), this.encoding);
      } catch (err) {
        warn(errorMessage(err));
        continue;
      }
      yield record;
    }
  }

  /** A table-leaf cell's payload, following its overflow chain when it does not fit the page. */
  private cellPayload(page: number, base: number, offset: number, overflowPages: Set<number>): Buffer {
    const pageEnd = base + this.usableSize;
    let pos = base + offset;
    const size = readVarint(this.bytes, pos, pageEnd);
    pos += size.length;
    const rowid = readVarint(this.bytes, pos, pageEnd);
    pos += rowid.length;
    const payloadSize = size.value;
    if (payloadSize > this.bytes.length) {
      throw new RpmDatabaseError(`SQLite page ${page}: payload of ${payloadSize} bytes exceeds the file`);
    }
    const local = this.localPayloadSize(payloadSize);
    if (pos + local > pageEnd) throw new RpmDatabaseError(`SQLite page ${page}: cell runs past the page`);
    if (local === payloadSize) return this.bytes.subarray(pos, pos + local);

    if (pos + local + 4 > pageEnd) throw new RpmDatabaseError(`SQLite page ${page}: cell runs past the page`);
    // Walk the chain before allocating, so a corrupt size cannot make us allocate for nothing.
    const perPage = this.usableSize - 4;
    if (Math.ceil((payloadSize - local) / perPage) > this.pageCount) {
      throw new RpmDatabaseError(
        `SQLite page ${page}: a ${payloadSize}-byte record needs more pages than exist`,
      );
    }
    const chain: number[] = [];
    let next = this.bytes.readUInt32BE(pos + local);
    for (let remaining = payloadSize - local; remaining > 0; remaining -= perPage) {
      if (!this.isPageNumber(next) || overflowPages.has(next)) {
        throw new RpmDatabaseError(
          `SQLite page ${page}: overflow chain of a ${payloadSize}-byte record is broken at page ${next}`,
        );
      }
      overflowPages.add(next);
      chain.push(next);
      next = this.bytes.readUInt32BE((next - 1) * this.pageSize);
    }
    const out = Buffer.allocUnsafe(payloadSize);
    this.bytes.copy(out, 0, pos, pos + local);
    let filled = local;
    for (const overflowPage of chain) {
      const at = (overflowPage - 1) * this.pageSize + 4;
      const take = Math.min(perPage, payloadSize - filled);
      this.bytes.copy(out, filled, at, at + take);
      filled += take;
    }
    return out;
  }

  /** How much of a table-leaf payload is stored in the cell itself (fileformat2 §1.6). */
  private localPayloadSize(payloadSize: number): number {
    const u = this.usableSize;
    const maxLocal = u - 35;
    if (payloadSize <= maxLocal) return payloadSize;
    const minLocal = Math.floor(((u - 12) * 32) / 255) - 23;
    const k = minLocal + ((payloadSize - minLocal) % (u - 4));
    return k <= maxLocal ? k : minLocal;
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
