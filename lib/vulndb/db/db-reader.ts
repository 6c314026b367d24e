import { createHash } from "node:crypto";
import type { Advisory, Enrichment } from "../advisory.js";
import { decompress } from "./compression.js";
import { VulnDbError } from "./errors.js";
import {
  type Directory,
  decodeDirectory,
  decodeHeader,
  decodePage,
  decodeRefs,
  HEADER_LENGTH,
  type Header,
  type RecordRef,
  sha256,
  type TableName,
} from "./format.js";
import { Lru } from "./lru.js";
import { type DbMetadata, SCHEMA_VERSION } from "./metadata.js";
import { encodePackageKey, packageKey } from "./package-key.js";
import { openFileRangeSource, type RangeSource } from "./range-source.js";

export interface VulnDb {
  readonly metadata: DbMetadata;
  /** The DB file's size in bytes. */
  readonly size: number;
  /** Bytes fetched from the source so far (cache hits cost nothing). */
  readonly bytesRead: number;
  /** Non-withdrawn advisories affecting the package, by id; the key is normalised here. */
  advisoriesFor(ecosystem: string, name: string): Promise<Advisory[]>;
  advisory(id: string): Promise<Advisory | undefined>;
  /** Ids of advisories that list `alias` (a CVE, GHSA, ...) in `aliases` or `upstream`. */
  aliasesOf(alias: string): Promise<string[]>;
  enrichment(cve: string): Promise<Enrichment | undefined>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Decompressed record blocks kept; the default 512 is ~32 MiB at the default block size. */
  blockCacheSize?: number;
  /** Decoded index pages kept; the default 512 is ~8 MiB at the default page size. */
  pageCacheSize?: number;
  /** Decoded advisories kept (default 8192). */
  recordCacheSize?: number;
}

/** A decompressed block may not exceed this, whatever the file claims: no decompression bombs. */
const MAX_BLOCK_BYTES = 256 * 1024 * 1024;

type Entries = Array<[Buffer, Buffer]>;

/**
 * Opens a DB by reading only the header, the page directory and the metadata (two reads), each
 * checked against the checksums in the header. Index pages and record blocks are read on demand
 * and verified against their own checksums when read, so a corrupt byte fails that lookup with a
 * VulnDbError and leaves the rest of the DB usable.
 */
export async function openDatabase(source: RangeSource, options: OpenOptions = {}): Promise<VulnDb> {
  const db = new RangeVulnDb(source, options);
  await db.open();
  return db;
}

/** Opens a local DB file; `close()` closes the file. */
export async function openDatabaseFile(path: string, options: OpenOptions = {}): Promise<VulnDb> {
  const source = await openFileRangeSource(path);
  try {
    return await openDatabase(source, options);
  } catch (err) {
    await source.close?.();
    throw err;
  }
}

/**
 * Every advisory in the DB (withdrawn included), each decoded once, in file order. For the updater
 * (diffing two builds), not for lookups: it reads every index page of the ids table and every block.
 */
export async function* scanAdvisories(source: RangeSource): AsyncGenerator<Advisory> {
  // A small cache suffices: records are visited in block order, so each block is read once.
  const db = new RangeVulnDb(source, { blockCacheSize: 4, pageCacheSize: 4 });
  await db.open();
  yield* db.scan();
}

/**
 * The full-file check (sha256 of everything after the header), for the updater after a download:
 * it reads the whole file, which lookups never do.
 */
export async function verifyDatabase(source: RangeSource, chunk = 4 * 1024 * 1024): Promise<void> {
  if (source.size < HEADER_LENGTH) throw new VulnDbError("vulnerability DB is truncated (no header)");
  const header = decodeHeader(await readChecked(source, 0, HEADER_LENGTH, "header"), source.size);
  const hash = createHash("sha256");
  for (let at = HEADER_LENGTH; at < header.fileSize; at += chunk) {
    hash.update(await readChecked(source, at, Math.min(chunk, header.fileSize - at), "body"));
  }
  if (!hash.digest().equals(header.bodySha256))
    throw new VulnDbError("vulnerability DB body checksum mismatch");
}

async function readChecked(
  source: RangeSource,
  offset: number,
  length: number,
  what: string,
): Promise<Buffer> {
  try {
    return await source.read(offset, length);
  } catch (err) {
    if (err instanceof VulnDbError) throw err;
    throw new VulnDbError(`cannot read vulnerability DB ${what} (${length} bytes at ${offset})`, {
      cause: err,
    });
  }
}

function parseJson<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString("utf8")) as T;
  } catch (err) {
    throw new VulnDbError(`vulnerability DB ${what} is not valid JSON`, { cause: err });
  }
}

class RangeVulnDb implements VulnDb {
  metadata!: DbMetadata;
  bytesRead = 0;
  private header!: Header;
  private directory!: Directory;
  private readonly blocks: Lru<number, Promise<Buffer>>;
  private readonly pages: Lru<number, Promise<Entries>>;
  /**
   * Decoded records: re-matching thousands of stored images asks for the same popular packages'
   * advisories over and over, and JSON.parse of a record costs more than finding it. Callers
   * share these objects and must not modify them.
   */
  private readonly parsed: Lru<string, Advisory>;

  constructor(
    private readonly source: RangeSource,
    options: OpenOptions,
  ) {
    this.blocks = new Lru(options.blockCacheSize ?? 512);
    this.pages = new Lru(options.pageCacheSize ?? 512);
    this.parsed = new Lru(options.recordCacheSize ?? 8192);
  }

  get size(): number {
    return this.source.size;
  }

  private async read(offset: number, length: number, what: string): Promise<Buffer> {
    const bytes = await readChecked(this.source, offset, length, what);
    this.bytesRead += bytes.length;
    return bytes;
  }

  async open(): Promise<void> {
    if (this.source.size < HEADER_LENGTH) throw new VulnDbError("vulnerability DB is truncated (no header)");
    this.header = decodeHeader(await this.read(0, HEADER_LENGTH, "header"), this.source.size);
    const { directory, metadata } = this.header.sections;
    // The writer puts the directory right before the metadata: one read for both.
    const start = Math.min(directory.offset, metadata.offset);
    const end = Math.max(directory.offset + directory.length, metadata.offset + metadata.length);
    const tail = await this.read(start, end - start, "directory and metadata");
    const directoryBytes = tail.subarray(
      directory.offset - start,
      directory.offset - start + directory.length,
    );
    const metadataBytes = tail.subarray(metadata.offset - start, metadata.offset - start + metadata.length);
    if (!sha256(directoryBytes).equals(this.header.directorySha256)) {
      throw new VulnDbError("vulnerability DB page directory checksum mismatch");
    }
    if (!sha256(metadataBytes).equals(this.header.metadataSha256)) {
      throw new VulnDbError("vulnerability DB metadata checksum mismatch");
    }
    this.metadata = parseJson<DbMetadata>(metadataBytes, "metadata");
    if (this.metadata.schemaVersion !== SCHEMA_VERSION) {
      throw new VulnDbError(
        `vulnerability DB schema version ${this.metadata.schemaVersion} is not supported (expected ${SCHEMA_VERSION})`,
      );
    }
    this.directory = decodeDirectory(directoryBytes, this.header.sections.pages);
  }

  async advisoriesFor(ecosystem: string, name: string): Promise<Advisory[]> {
    const value = await this.lookup("packages", encodePackageKey(packageKey(ecosystem, name)));
    if (!value) return [];
    return this.records(decodeRefs(value, "package index"));
  }

  async advisory(id: string): Promise<Advisory | undefined> {
    const value = await this.lookup("ids", Buffer.from(id, "utf8"));
    if (!value) return undefined;
    const [advisory] = await this.records(decodeRefs(value, "id index"));
    return advisory;
  }

  async aliasesOf(alias: string): Promise<string[]> {
    const value = await this.lookup("aliases", Buffer.from(alias, "utf8"));
    return value ? parseJson<string[]>(value, "alias index") : [];
  }

  async enrichment(cve: string): Promise<Enrichment | undefined> {
    const value = await this.lookup("enrichment", Buffer.from(cve, "utf8"));
    return value ? parseJson<Enrichment>(value, "enrichment index") : undefined;
  }

  async close(): Promise<void> {
    await this.source.close?.();
  }

  async *scan(): AsyncGenerator<Advisory> {
    const refs: RecordRef[] = [];
    for (let page = 0; page < this.directory.ids.length; page++) {
      for (const [, value] of await this.page("ids", page)) refs.push(...decodeRefs(value, "id index"));
    }
    refs.sort((a, b) => a.blockOffset - b.blockOffset || a.start - b.start);
    for (const ref of refs) yield* await this.records([ref]);
  }

  /** Binary search of the in-memory directory, then of the one page that may hold the key. */
  private async lookup(table: TableName, key: Buffer): Promise<Buffer | undefined> {
    const pages = this.directory[table];
    let lo = 0;
    let hi = pages.length - 1;
    let page = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (Buffer.compare((pages[mid] as { firstKey: Buffer }).firstKey, key) <= 0) {
        page = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (page < 0) return undefined;
    const entries = await this.page(table, page);
    lo = 0;
    hi = entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const [entryKey, value] = entries[mid] as [Buffer, Buffer];
      const order = Buffer.compare(entryKey, key);
      if (order === 0) return value;
      if (order < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  private page(table: TableName, index: number): Promise<Entries> {
    const entry = this.directory[table][index];
    if (!entry) throw new VulnDbError(`vulnerability DB has no page ${index} in ${table}`);
    return this.cached(this.pages, entry.offset, async () => {
      const what = `${table} index page at ${entry.offset}`;
      const compressed = await this.read(entry.offset, entry.length, what);
      if (!sha256(compressed).equals(entry.sha256))
        throw new VulnDbError(`vulnerability DB ${what} is corrupt`);
      return decodePage(await decompress(compressed, MAX_BLOCK_BYTES, what), what);
    });
  }

  private block(ref: RecordRef): Promise<Buffer> {
    return this.cached(this.blocks, ref.blockOffset, async () => {
      const what = `record block at ${ref.blockOffset}`;
      const { blocks } = this.header.sections;
      if (
        ref.blockLength <= 32 ||
        ref.blockOffset < blocks.offset ||
        ref.blockOffset + ref.blockLength > blocks.offset + blocks.length
      ) {
        throw new VulnDbError(`vulnerability DB ${what} lies outside the block section`);
      }
      const raw = await this.read(ref.blockOffset, ref.blockLength, what);
      const compressed = raw.subarray(32);
      if (!sha256(compressed).equals(raw.subarray(0, 32)))
        throw new VulnDbError(`vulnerability DB ${what} is corrupt`);
      return decompress(compressed, MAX_BLOCK_BYTES, what);
    });
  }

  /** In-flight reads are shared; a failed read is forgotten so a retry reads again. */
  private cached<T>(cache: Lru<number, Promise<T>>, key: number, load: () => Promise<T>): Promise<T> {
    const hit = cache.get(key);
    if (hit) return hit;
    const promise = load();
    cache.set(key, promise);
    promise.catch(() => cache.delete(key));
    return promise;
  }

  private async records(refs: RecordRef[]): Promise<Advisory[]> {
    const blocks = await Promise.all(refs.map((ref) => this.block(ref)));
    return refs.map((ref, i) => {
      const block = blocks[i] as Buffer;
      if (ref.start + ref.length > block.length) {
        throw new VulnDbError(
          `vulnerability DB record at ${ref.blockOffset}+${ref.start} runs past its block`,
        );
      }
      const key = `${ref.blockOffset}:${ref.start}`;
      let advisory = this.parsed.get(key);
      if (!advisory) {
        advisory = parseJson<Advisory>(block.subarray(ref.start, ref.start + ref.length), "record");
        this.parsed.set(key, advisory);
      }
      return advisory;
    });
  }
}
