import { createHash, randomBytes } from "node:crypto";
import { type FileHandle, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Advisory, Enrichment } from "../advisory.js";
import { compress, DEFAULT_QUALITY } from "./compression.js";
import { VulnDbError } from "./errors.js";
import {
  type Directory,
  type Extent,
  encodeDirectory,
  encodeHeader,
  encodePage,
  encodeRef,
  FORMAT_VERSION,
  HEADER_LENGTH,
  type PageEntry,
  REF_LENGTH,
  type RecordRef,
  type SectionName,
  sha256,
  TABLES,
  type TableName,
} from "./format.js";
import type { DbMetadata, EcosystemCounts, SourceInfo } from "./metadata.js";
import { SCHEMA_VERSION } from "./metadata.js";
import { decodePackageKey, encodePackageKey, packageKey } from "./package-key.js";

export interface BuildMeta {
  /** Pass it for reproducible builds; defaults to now. */
  builtAt?: Date | string;
  sources: SourceInfo[];
}

export interface BuildOptions {
  /** Uncompressed bytes per record block; a lookup decompresses whole blocks. */
  blockSize?: number;
  /** Uncompressed bytes per index page. */
  pageSize?: number;
  brotliQuality?: number;
}

export interface BuildStats {
  advisories: number;
  withdrawn: number;
  /**
   * Records whose id was seen before: exact copies are dropped, others merged into one advisory
   * (an Alpine or Debian id comes once per release file).
   */
  duplicates: number;
  enrichments: number;
  packages: number;
  aliases: number;
  blocks: number;
  pages: number;
  recordBytes: number;
  fileSize: number;
  millis: number;
}

export const DEFAULT_BLOCK_SIZE = 64 * 1024;
export const DEFAULT_PAGE_SIZE = 16 * 1024;

interface Pending {
  id: string;
  json: Buffer;
  modified: string;
  withdrawn: boolean;
  /** Encoded package keys, sorted and unique. */
  keys: Buffer[];
  aliases: string[];
}

function isAdvisory(item: Advisory | Enrichment): item is Advisory {
  return typeof (item as Advisory).id === "string";
}

function isNewer(a: string, b: string): boolean {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isNaN(ta) || Number.isNaN(tb)) return a > b;
  return ta > tb;
}

/**
 * One id seen twice: the newer record's fields win, while affected entries and aliases are the
 * union of both (exact repeats dropped), so per-release files of one distro advisory add up.
 */
export function mergeSameId(a: Advisory, b: Advisory): Advisory {
  const [older, newer] = isNewer(a.modified, b.modified) ? [b, a] : [a, b];
  const union = <T>(x: T[] | undefined, y: T[] | undefined): T[] | undefined => {
    if (!x && !y) return undefined;
    const seen = new Set<string>();
    return [...(x ?? []), ...(y ?? [])].filter((item) => {
      const text = JSON.stringify(item);
      if (seen.has(text)) return false;
      seen.add(text);
      return true;
    });
  };
  const merged: Advisory = { ...older, ...newer };
  const affected = union(older.affected, newer.affected);
  const aliases = union(older.aliases, newer.aliases);
  const upstream = union(older.upstream, newer.upstream);
  const related = union(older.related, newer.related);
  if (affected) merged.affected = affected;
  if (aliases) merged.aliases = aliases;
  if (upstream) merged.upstream = upstream;
  if (related) merged.related = related;
  return merged;
}

function uniqueSorted(keys: Buffer[]): Buffer[] {
  keys.sort(Buffer.compare);
  return keys.filter((key, i) => i === 0 || !key.equals(keys[i - 1] as Buffer));
}

function pending(advisory: Advisory): Pending {
  if (!advisory.id || typeof advisory.modified !== "string") {
    throw new VulnDbError(`advisory ${advisory.id || "(no id)"} has no id or modified time`);
  }
  const keys: Buffer[] = [];
  for (const affected of advisory.affected ?? []) {
    const pkg = affected.package;
    if (!pkg?.ecosystem || !pkg.name) continue;
    keys.push(encodePackageKey(packageKey(pkg.ecosystem, pkg.name)));
  }
  const aliases = [...new Set([...(advisory.aliases ?? []), ...(advisory.upstream ?? [])])].filter(
    (alias) => alias && alias !== advisory.id,
  );
  return {
    id: advisory.id,
    json: Buffer.from(JSON.stringify(advisory), "utf8"),
    modified: advisory.modified,
    withdrawn: Boolean(advisory.withdrawn),
    keys: uniqueSorted(keys),
    aliases,
  };
}

/** Appends to the temp file at a running offset and hashes the body as it goes. */
class BodyWriter {
  private position = HEADER_LENGTH;
  private readonly hash = createHash("sha256");
  constructor(private readonly handle: FileHandle) {}

  get offset(): number {
    return this.position;
  }

  async write(bytes: Buffer): Promise<Extent> {
    const offset = this.position;
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, done, bytes.length - done, offset + done);
      done += bytesWritten;
    }
    this.hash.update(bytes);
    this.position += bytes.length;
    return { offset, length: bytes.length };
  }

  digest(): Buffer {
    return this.hash.digest();
  }
}

/**
 * Builds one immutable DB file from advisories and enrichment records. Records are held in memory
 * as compact JSON until every key is known (a few hundred thousand advisories fit comfortably);
 * the file is written to a temp name beside `out` and renamed into place, so readers never see a
 * half-written DB. The same input (and `builtAt`) gives a byte-identical file.
 */
export async function buildDatabase(
  input: AsyncIterable<Advisory | Enrichment> | Iterable<Advisory | Enrichment>,
  out: string,
  meta: BuildMeta,
  options: BuildOptions = {},
): Promise<BuildStats> {
  const started = performance.now();
  const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const quality = options.brotliQuality ?? DEFAULT_QUALITY;

  const advisories = new Map<string, Pending>();
  const enrichments = new Map<string, Enrichment>();
  let duplicates = 0;
  for await (const item of input) {
    if (isAdvisory(item)) {
      let next = pending(item);
      const previous = advisories.get(next.id);
      if (previous) {
        duplicates++;
        if (previous.json.equals(next.json)) continue;
        next = pending(mergeSameId(JSON.parse(previous.json.toString("utf8")) as Advisory, item));
      }
      advisories.set(next.id, next);
    } else if (typeof item.cve === "string" && item.cve) {
      // Enrichment arrives per feed (NVD, KEV, EPSS): merge field by field, later feeds win.
      enrichments.set(item.cve, { ...enrichments.get(item.cve), ...item });
    } else {
      throw new VulnDbError("input item is neither an advisory (id) nor an enrichment (cve)");
    }
  }

  // Records of one package sit together, so a lookup touches as few blocks as possible.
  const ordered = [...advisories.values()].sort((a, b) => {
    const ka = a.keys[0];
    const kb = b.keys[0];
    if (ka && kb) {
      const byKey = Buffer.compare(ka, kb);
      if (byKey !== 0) return byKey;
    } else if (ka || kb) {
      return ka ? -1 : 1;
    }
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });

  const tmp = join(dirname(out), `.${basename(out)}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(tmp, "w");
  try {
    const body = new BodyWriter(handle);
    const refs = new Map<string, RecordRef>();
    let recordBytes = 0;
    let blocks = 0;

    let chunk: Buffer[] = [];
    let chunkIds: string[] = [];
    let chunkSize = 0;
    const flush = async () => {
      if (chunk.length === 0) return;
      const compressed = await compress(Buffer.concat(chunk), quality);
      const block = Buffer.concat([sha256(compressed), compressed]);
      const { offset, length } = await body.write(block);
      let start = 0;
      chunk.forEach((json, i) => {
        refs.set(chunkIds[i] as string, {
          blockOffset: offset,
          blockLength: length,
          start,
          length: json.length,
        });
        start += json.length;
      });
      blocks++;
      chunk = [];
      chunkIds = [];
      chunkSize = 0;
    };
    const blocksStart = body.offset;
    for (const record of ordered) {
      if (chunkSize > 0 && chunkSize + record.json.length > blockSize) await flush();
      chunk.push(record.json);
      chunkIds.push(record.id);
      chunkSize += record.json.length;
      recordBytes += record.json.length;
      // The JSON is in a block now; keep only what the indexes need.
      record.json = Buffer.alloc(0);
    }
    await flush();
    const blocksExtent = { offset: blocksStart, length: body.offset - blocksStart };

    const tables = buildTables(ordered, refs, enrichments);
    const pagesStart = body.offset;
    const directory = {} as Directory;
    const pageCounts: Record<string, number> = {};
    for (const table of TABLES) {
      directory[table] = await writePages(body, tables[table], pageSize, quality);
      pageCounts[table] = directory[table].length;
    }
    const pagesExtent = { offset: pagesStart, length: body.offset - pagesStart };

    const directoryBytes = encodeDirectory(directory);
    const directoryExtent = await body.write(directoryBytes);

    const counts = countEcosystems(ordered);
    const metadata: DbMetadata = {
      schemaVersion: SCHEMA_VERSION,
      formatVersion: FORMAT_VERSION,
      osvSchemaVersion: "1.6.0",
      builtAt: new Date(meta.builtAt ?? Date.now()).toISOString(),
      sources: meta.sources,
      counts: {
        advisories: ordered.length,
        withdrawn: ordered.filter((a) => a.withdrawn).length,
        packages: tables.packages.length,
        aliases: tables.aliases.length,
        enrichments: enrichments.size,
        ecosystems: counts,
      },
      layout: { compression: "brotli", blocks, blockSize, pageSize, pages: pageCounts },
    };
    const metadataBytes = Buffer.from(JSON.stringify(metadata), "utf8");
    const metadataExtent = await body.write(metadataBytes);

    const fileSize = body.offset;
    const sections: Record<SectionName, Extent> = {
      blocks: blocksExtent,
      pages: pagesExtent,
      directory: directoryExtent,
      metadata: metadataExtent,
    };
    const header = encodeHeader({
      formatVersion: FORMAT_VERSION,
      fileSize,
      bodySha256: body.digest(),
      sections,
      metadataSha256: sha256(metadataBytes),
      directorySha256: sha256(directoryBytes),
    });
    await handle.write(header, 0, header.length, 0);
    await handle.sync();
    await handle.close();
    await rename(tmp, out);
    return {
      advisories: ordered.length,
      withdrawn: metadata.counts.withdrawn,
      duplicates,
      enrichments: enrichments.size,
      packages: tables.packages.length,
      aliases: tables.aliases.length,
      blocks,
      pages: Object.values(pageCounts).reduce((a, b) => a + b, 0),
      recordBytes,
      fileSize,
      millis: performance.now() - started,
    };
  } catch (err) {
    await handle.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
}

type Entries = Array<[Buffer, Buffer]>;

function sortEntries(entries: Entries): Entries {
  return entries.sort((a, b) => Buffer.compare(a[0], b[0]));
}

function buildTables(
  ordered: Pending[],
  refs: Map<string, RecordRef>,
  enrichments: Map<string, Enrichment>,
): Record<TableName, Entries> {
  const byKey = new Map<string, string[]>();
  const byAlias = new Map<string, string[]>();
  const ids: Entries = [];
  for (const advisory of ordered) {
    const ref = refs.get(advisory.id) as RecordRef;
    const one = Buffer.alloc(REF_LENGTH);
    encodeRef(ref, one, 0);
    ids.push([Buffer.from(advisory.id, "utf8"), one]);
    for (const alias of advisory.aliases) {
      const list = byAlias.get(alias);
      if (list) list.push(advisory.id);
      else byAlias.set(alias, [advisory.id]);
    }
    // Withdrawn advisories stay readable by id but never match a package.
    if (advisory.withdrawn) continue;
    for (const key of advisory.keys) {
      // latin1 maps bytes to chars one to one: a cheap, lossless Map key.
      const text = key.toString("latin1");
      const list = byKey.get(text);
      if (list) list.push(advisory.id);
      else byKey.set(text, [advisory.id]);
    }
  }
  const packages: Entries = [];
  for (const [text, list] of byKey) {
    list.sort();
    const value = Buffer.alloc(list.length * REF_LENGTH);
    list.forEach((id, i) => {
      encodeRef(refs.get(id) as RecordRef, value, i * REF_LENGTH);
    });
    packages.push([Buffer.from(text, "latin1"), value]);
  }
  const aliases: Entries = [];
  for (const [alias, list] of byAlias) {
    aliases.push([
      Buffer.from(alias, "utf8"),
      Buffer.from(JSON.stringify([...new Set(list)].sort()), "utf8"),
    ]);
  }
  const enrichment: Entries = [];
  for (const [cve, record] of enrichments) {
    enrichment.push([Buffer.from(cve, "utf8"), Buffer.from(JSON.stringify(record), "utf8")]);
  }
  return {
    packages: sortEntries(packages),
    ids: sortEntries(ids),
    aliases: sortEntries(aliases),
    enrichment: sortEntries(enrichment),
  };
}

async function writePages(body: BodyWriter, entries: Entries, pageSize: number, quality: number) {
  const pages: PageEntry[] = [];
  let page: Entries = [];
  let size = 0;
  const flush = async () => {
    if (page.length === 0) return;
    const compressed = await compress(encodePage(page), quality);
    const { offset, length } = await body.write(compressed);
    pages.push({ firstKey: (page[0] as [Buffer, Buffer])[0], offset, length, sha256: sha256(compressed) });
    page = [];
    size = 0;
  };
  for (const entry of entries) {
    const entrySize = entry[0].length + entry[1].length + 8;
    if (size > 0 && size + entrySize > pageSize) await flush();
    page.push(entry);
    size += entrySize;
  }
  await flush();
  return pages;
}

function countEcosystems(ordered: Pending[]): Record<string, EcosystemCounts> {
  const counts = new Map<string, { advisories: number; packages: Set<string> }>();
  for (const advisory of ordered) {
    if (advisory.withdrawn) continue;
    const seen = new Set<string>();
    for (const key of advisory.keys) {
      const { ecosystem, name } = decodePackageKey(key);
      let entry = counts.get(ecosystem);
      if (!entry) {
        entry = { advisories: 0, packages: new Set() };
        counts.set(ecosystem, entry);
      }
      entry.packages.add(name);
      if (!seen.has(ecosystem)) {
        seen.add(ecosystem);
        entry.advisories++;
      }
    }
  }
  const out: Record<string, EcosystemCounts> = {};
  for (const ecosystem of [...counts.keys()].sort()) {
    const entry = counts.get(ecosystem) as { advisories: number; packages: Set<string> };
    out[ecosystem] = { advisories: entry.advisories, packages: entry.packages.size };
  }
  return out;
}
