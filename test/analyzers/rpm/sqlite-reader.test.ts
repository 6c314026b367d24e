import { describe, expect, it } from "vitest";
import { parseRpmDatabase } from "../../../lib/analyzers/rpm/parse-rpm-database.js";
import { RpmDatabaseError } from "../../../lib/analyzers/rpm/rpm-database-error.js";
import { openSqliteDatabase } from "../../../lib/analyzers/rpm/sqlite-reader.js";
import { decodeRecord, readVarint, type SqliteValue } from "../../../lib/analyzers/rpm/sqlite-record.js";
import { readFixture } from "../fixtures.js";

const MARINER = () => Buffer.from(readFixture("pkgdb/rpm", "go-rpmdb-cbl-mariner-2.0.rpmdb.sqlite"));

function collect(db: ReturnType<typeof openSqliteDatabase>, root: number) {
  const warnings: string[] = [];
  const rows: SqliteValue[][] = [...db.rows(root, (m) => warnings.push(m))];
  return { rows, warnings };
}

function packagesRoot(bytes: Buffer): number {
  const table = openSqliteDatabase(bytes)
    .tables()
    .find((t) => t.name === "Packages");
  if (!table) throw new Error("no Packages table");
  return table.rootPage;
}

describe("SQLite reader on rpm's databases", () => {
  it("reads the CBL-Mariner header, schema and all 129 Packages rows (WAL mode, main file only)", () => {
    const db = openSqliteDatabase(MARINER());
    expect(db).toMatchObject({ pageSize: 4096, usableSize: 4096, pageCount: 880, walMode: true });
    const tables = db.tables();
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(["Packages", "sqlite_sequence", "Name", "Basenames"]),
    );
    const packages = tables.find((t) => t.name === "Packages");
    expect(packages?.sql).toContain("blob BLOB NOT NULL");
    const { rows, warnings } = collect(db, packages?.rootPage ?? 0);
    expect(warnings).toEqual([]);
    expect(rows).toHaveLength(129);
    for (const row of rows) {
      expect(row).toHaveLength(2);
      expect(row[0]).toBeNull(); // hnum is the rowid alias
      expect(Buffer.isBuffer(row[1])).toBe(true);
    }
  });

  it("honours reserved bytes and the 65536 page-size encoding", () => {
    const reserved = openSqliteDatabase(readFixture("rpm", "portcullis-1k-reserved.rpmdb.sqlite"));
    expect(reserved).toMatchObject({ pageSize: 1024, usableSize: 992, walMode: false });
    const big = openSqliteDatabase(readFixture("rpm", "portcullis-64k.rpmdb.sqlite"));
    expect(big).toMatchObject({ pageSize: 65536, usableSize: 65536 });
    // The ~32 KiB header blob spans ~33 overflow pages of 992 usable bytes, and none at 64 KiB.
    const lengths = (db: typeof big) =>
      collect(db, db.tables().find((t) => t.name === "Packages")?.rootPage ?? 0).rows.map(
        (r) => (r[1] as Buffer).length,
      );
    expect(lengths(reserved)).toEqual(lengths(big));
    expect(Math.max(...lengths(big))).toBeGreaterThan(30_000);
  });

  it("refuses files that are not SQLite or that it cannot read", () => {
    const header = MARINER().subarray(0, 4096);
    const variant = (at: number, bytes: number[]) => {
      const b = Buffer.from(header);
      Buffer.from(bytes).copy(b, at);
      return b;
    };
    expect(() => openSqliteDatabase(Buffer.from("not sqlite"))).toThrow(RpmDatabaseError);
    expect(() => openSqliteDatabase(header.subarray(0, 50))).toThrow(/truncated/);
    expect(() => openSqliteDatabase(variant(16, [0x03, 0x00]))).toThrow(/page size 768/);
    expect(() => openSqliteDatabase(variant(16, [0x00, 0x80]))).toThrow(/page size 128/);
    expect(() => openSqliteDatabase(variant(19, [3]))).toThrow(/read version 3/);
    const small = variant(16, [0x02, 0x00]);
    small[20] = 200;
    expect(() => openSqliteDatabase(small)).toThrow(/usable page size 312/);
    expect(() => openSqliteDatabase(variant(56, [0, 0, 0, 9]))).toThrow(/encoding 9/);
    expect(() => openSqliteDatabase(header.subarray(0, 1000))).toThrow(/shorter than one page/);
  });
});

describe("SQLite reader on damaged files", () => {
  it("skips a subtree whose pointer makes a cycle, and keeps the other rows", () => {
    const bytes = MARINER();
    const root = packagesRoot(bytes);
    const base = (root - 1) * 4096;
    expect(bytes[base]).toBe(0x05); // an interior table page
    bytes.writeUInt32BE(root, base + 8); // right-most child -> the root itself
    const { rows, warnings } = collect(openSqliteDatabase(bytes), root);
    expect(warnings).toEqual([`SQLite b-tree page ${root} is reached twice (a cycle); subtree skipped`]);
    expect(rows.length).toBeGreaterThan(100);
    expect(rows.length).toBeLessThan(129);
  });

  it("skips one record whose overflow chain loops, and keeps the others", () => {
    const bytes = MARINER();
    const root = packagesRoot(bytes);
    const rootBase = (root - 1) * 4096;
    const leaves = [bytes.readUInt32BE(rootBase + 8)];
    for (let i = 0; i < bytes.readUInt16BE(rootBase + 3); i++) {
      leaves.push(bytes.readUInt32BE(rootBase + bytes.readUInt16BE(rootBase + 12 + i * 2)));
    }
    // The first cell whose blob needs at least two overflow pages.
    let overflow = 0;
    for (const leaf of leaves) {
      const base = (leaf - 1) * 4096;
      expect(bytes[base]).toBe(0x0d);
      for (let i = 0; i < bytes.readUInt16BE(base + 3) && overflow === 0; i++) {
        const cell = base + bytes.readUInt16BE(base + 8 + i * 2);
        const size = readVarint(bytes, cell, base + 4096);
        const rowid = readVarint(bytes, cell + size.length, base + 4096);
        const minLocal = Math.floor(((4096 - 12) * 32) / 255) - 23;
        const k = minLocal + ((size.value - minLocal) % (4096 - 4));
        const local = k <= 4096 - 35 ? k : minLocal;
        if (size.value > 4096 - 35 && size.value - local > 4092) {
          overflow = bytes.readUInt32BE(cell + size.length + rowid.length + local);
        }
      }
    }
    expect(overflow).toBeGreaterThan(1);
    bytes.writeUInt32BE(overflow, (overflow - 1) * 4096); // first overflow page -> itself
    const result = parseRpmDatabase(bytes);
    expect(result.packages).toHaveLength(128);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/overflow chain of a \d+-byte record is broken at page/);
  });

  it("survives zeroed pages and pointers past the end", () => {
    const bytes = MARINER();
    bytes.fill(0, 200 * 4096, 260 * 4096);
    const zeroed = parseRpmDatabase(bytes);
    expect(zeroed.packages.length).toBeLessThan(129);
    expect(zeroed.warnings.length).toBeGreaterThan(0);

    const pointer = MARINER();
    const root = packagesRoot(pointer);
    pointer.writeUInt32BE(0x7fffffff, (root - 1) * 4096 + 8);
    const result = collect(openSqliteDatabase(pointer), root);
    expect(result.warnings).toEqual([
      "SQLite b-tree points to page 2147483647, outside the 880-page file; subtree skipped",
    ]);
  });

  it("bounds a cell count that cannot fit and a record header that lies", () => {
    const bytes = MARINER();
    const root = packagesRoot(bytes);
    bytes.writeUInt16BE(0xffff, (root - 1) * 4096 + 3);
    const { rows, warnings } = collect(openSqliteDatabase(bytes), root);
    expect(rows).toEqual([]);
    expect(warnings).toEqual([`SQLite page ${root} claims 65535 cells, more than fit; subtree skipped`]);
    expect(() => decodeRecord(Buffer.from([0x7f, 0x01]))).toThrow(/header size 127/);
    expect(() => decodeRecord(Buffer.from([0x02, 0x1e]))).toThrow(/runs past the record/);
  });
});

describe("SQLite record and varint decoding", () => {
  it("decodes varints of 1, 2 and 9 bytes, and refuses one that runs past its end", () => {
    expect(readVarint(Buffer.from([0x05]), 0, 1)).toEqual({ value: 5, length: 1 });
    expect(readVarint(Buffer.from([0x81, 0x00]), 0, 2)).toEqual({ value: 128, length: 2 });
    expect(readVarint(Buffer.from([0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), 0, 9)).toEqual({
      value: 2 ** 57 + 1,
      length: 9,
    });
    expect(() => readVarint(Buffer.from([0x81, 0x81]), 0, 2)).toThrow(/runs past/);
  });

  it("decodes every serial type", () => {
    const body = Buffer.concat([
      Buffer.from([0xfe]), // int8 -2
      Buffer.from([0x01, 0x00]), // int16 256
      Buffer.from([0xff, 0xff, 0xff]), // int24 -1
      Buffer.from([0x00, 0x01, 0x00, 0x00]), // int32 65536
      Buffer.from([0x00, 0x00, 0x01, 0x00, 0x00, 0x00]), // int48 2^24
      Buffer.from([0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // int64 max (bigint)
      Buffer.from([0x3f, 0xf8, 0, 0, 0, 0, 0, 0]), // 1.5
      Buffer.from([1, 2, 3]), // blob
      Buffer.from("hé", "utf8"), // text
    ]);
    const types = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12 + 3 * 2, 13 + 3 * 2];
    const record = Buffer.concat([Buffer.from([types.length + 1, ...types]), body]);
    expect(decodeRecord(record)).toEqual([
      null,
      -2,
      256,
      -1,
      65536,
      2 ** 24,
      2n ** 63n - 1n,
      1.5,
      0,
      1,
      Buffer.from([1, 2, 3]),
      "hé",
    ]);
    expect(() => decodeRecord(Buffer.from([0x02, 10]))).toThrow(/reserved/);
  });

  it("decodes UTF-16 text in databases that use it", () => {
    const text = Buffer.from("rpm", "utf16le");
    const record = Buffer.concat([Buffer.from([2, 13 + text.length * 2]), text]);
    expect(decodeRecord(record, 2)).toEqual(["rpm"]);
    expect(
      decodeRecord(Buffer.concat([Buffer.from([2, 13 + text.length * 2]), Buffer.from(text).swap16()]), 3),
    ).toEqual(["rpm"]);
  });
});
