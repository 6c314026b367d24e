import { describe, expect, it } from "vitest";
import { readBdbPackageBlobs } from "../../../lib/analyzers/rpm/bdb-reader.js";
import { parseRpmDatabase } from "../../../lib/analyzers/rpm/parse-rpm-database.js";
import { parseRpmHeader, RpmTag } from "../../../lib/analyzers/rpm/rpm-header.js";
import { readFixture } from "../fixtures.js";

const fixture = (file: string) =>
  Buffer.from(
    file.startsWith("go-rpmdb") || file.startsWith("syft")
      ? readFixture("pkgdb/rpm", file)
      : readFixture("rpm", file),
  );

function read(bytes: Buffer) {
  const warnings: string[] = [];
  const blobs = [...readBdbPackageBlobs(bytes, (m) => warnings.push(m))];
  return { names: blobs.map((b) => parseRpmHeader(b).string(RpmTag.NAME)), warnings };
}

/** Page numbers of a given type (byte 25 of each page). */
function pagesOfType(bytes: Buffer, pageSize: number, type: number): number[] {
  const out: number[] = [];
  for (let p = 1; p * pageSize < bytes.length; p++) if (bytes[p * pageSize + 25] === type) out.push(p);
  return out;
}

describe("Berkeley DB reader", () => {
  it("reads rpm's real databases and the generated little-endian, big-endian and checksummed ones", () => {
    expect(read(fixture("go-rpmdb-libuuid.Packages"))).toEqual({ names: ["libuuid"], warnings: [] });
    expect(read(fixture("syft-dive.Packages"))).toEqual({ names: ["dive"], warnings: [] });
    for (const file of ["portcullis-le.Packages", "portcullis-be.Packages", "portcullis-checksum.Packages"]) {
      const { names, warnings } = read(fixture(file));
      expect(warnings, file).toEqual([]);
      expect(names, file).toHaveLength(7);
    }
  });

  it("skips an item whose overflow chain loops back on itself", () => {
    const bytes = fixture("portcullis-be.Packages");
    // A 1 KiB-page, big-endian file: the 32 KiB header spans a long chain.
    const looped = pagesOfType(bytes, 1024, 7).find((p) => bytes.readUInt32BE(p * 1024 + 16) !== 0) as number;
    bytes.writeUInt32BE(looped, looped * 1024 + 16);
    const { names, warnings } = read(bytes);
    expect(names).toHaveLength(6);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^Berkeley DB overflow chain broken at page \d+ after \d+ of \d+ bytes; skipped$/,
      ),
    ]);
  });

  it("notices a zeroed hash page through the metadata's key count", () => {
    const bytes = fixture("portcullis-le.Packages");
    const [hashPage] = pagesOfType(bytes, 16384, 13);
    bytes.fill(0, (hashPage as number) * 16384, ((hashPage as number) + 1) * 16384);
    const { names, warnings } = read(bytes);
    expect(names.length).toBeLessThan(7);
    expect(warnings).toEqual([
      expect.stringMatching(/^Berkeley DB metadata counts 8 keys but only \d+ were found$/),
    ]);
  });

  it("skips hash pages with a wrong page number, too many items or items out of range", () => {
    const lie = fixture("portcullis-le.Packages");
    const [page] = pagesOfType(lie, 16384, 13) as [number];
    lie.writeUInt32LE(999, page * 16384 + 8);
    expect(read(lie).warnings[0]).toBe(`Berkeley DB page ${page} carries page number 999; skipped`);

    const many = fixture("portcullis-le.Packages");
    many.writeUInt16LE(0xffff, page * 16384 + 20);
    expect(read(many).warnings[0]).toBe(`Berkeley DB page ${page} claims 65535 items, more than fit`);

    const range = fixture("portcullis-le.Packages");
    range.writeUInt16LE(3, page * 16384 + 26);
    expect(read(range).warnings[0]).toBe(`Berkeley DB page ${page} item 0 offset 3 is out of range`);
  });

  it("skips items of unknown type and off-page items that point at non-overflow pages", () => {
    const bytes = fixture("go-rpmdb-libuuid.Packages");
    // Key 0 (rpm's counter) and key 1 (the package) hash to different pages; find the off-page value.
    const valueItemAt = (p: number) => p * 4096 + bytes.readUInt16LE(p * 4096 + 26 + 2);
    const page = pagesOfType(bytes, 4096, 13).find((p) => bytes[valueItemAt(p)] === 3) as number;
    const valueAt = valueItemAt(page);
    const wrongType = Buffer.from(bytes);
    wrongType.writeUInt32LE(page, valueAt + 4); // overflow chain "starts" at the hash page itself
    expect(read(wrongType)).toEqual({
      names: [],
      warnings: [`Berkeley DB page ${page} in an overflow chain has type 13; skipped`],
    });
    const unknown = Buffer.from(bytes);
    unknown[valueAt] = 9;
    expect(read(unknown).warnings).toEqual([`Berkeley DB page ${page} item 1 has unknown type 9; skipped`]);
    const tooLong = Buffer.from(bytes);
    tooLong.writeUInt32LE(0x7fffffff, valueAt + 8);
    expect(read(tooLong).warnings).toEqual([expect.stringMatching(/^Berkeley DB overflow chain broken/)]);
  });

  it("refuses metadata it cannot read, and reads what a truncated file still holds", () => {
    const meta = (at: number, value: number, width: 1 | 4 = 4) => {
      const b = fixture("go-rpmdb-libuuid.Packages");
      if (width === 1) b[at] = value;
      else b.writeUInt32LE(value, at);
      return parseRpmDatabase(b).warnings;
    };
    expect(meta(16, 7)).toEqual(["bdb rpm database: Berkeley DB hash version 7 is not supported"]);
    expect(meta(20, 1000)).toEqual(["bdb rpm database: Berkeley DB page size 1000 is invalid"]);
    expect(meta(24, 1, 1)).toEqual(["bdb rpm database: Berkeley DB database is encrypted"]);
    expect(meta(25, 9, 1)).toEqual(["bdb rpm database: Berkeley DB page 0 has type 9, not hash metadata"]);
    expect(parseRpmDatabase(fixture("go-rpmdb-libuuid.Packages").subarray(0, 100)).warnings).toEqual([
      "bdb rpm database: Berkeley DB metadata page is truncated",
    ]);
    const truncated = read(fixture("portcullis-be.Packages").subarray(0, 20 * 1024));
    expect(truncated.warnings[0]).toBe("Berkeley DB file holds 20 of its 49 pages (truncated)");
  });
});
