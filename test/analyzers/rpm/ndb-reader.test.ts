import { describe, expect, it } from "vitest";
import { readNdbPackageBlobs } from "../../../lib/analyzers/rpm/ndb-reader.js";
import { parseRpmDatabase } from "../../../lib/analyzers/rpm/parse-rpm-database.js";
import { parseRpmHeader, RpmTag } from "../../../lib/analyzers/rpm/rpm-header.js";
import { readFixture } from "../fixtures.js";

const NDB = () => Buffer.from(readFixture("rpm", "portcullis.Packages.db"));
const SLOT = (n: number) => 32 + (n - 1) * 16; // package n sits in slot n (slots start after the file header)

function read(bytes: Buffer) {
  const warnings: string[] = [];
  const blobs = [...readNdbPackageBlobs(bytes, (m) => warnings.push(m))];
  return { names: blobs.map((b) => parseRpmHeader(b).string(RpmTag.NAME)), warnings };
}

/** The byte offset of package n's blob, from its slot. */
const blobAt = (bytes: Buffer, n: number) => bytes.readUInt32LE(SLOT(n) + 8) * 16;

describe("ndb reader", () => {
  it("reads every occupied slot's blob in package order, skipping the freed slot", () => {
    const { names, warnings } = read(NDB());
    expect(warnings).toEqual([]);
    expect(names).toHaveLength(7);
    expect(names).toContain("gpg-pubkey");
  });

  it("skips slots without the Slot magic, with a count", () => {
    const bytes = NDB();
    bytes.write("Junk", SLOT(2), "latin1");
    const { names, warnings } = read(bytes);
    expect(names).toHaveLength(6);
    expect(warnings).toEqual(["1 ndb slot(s) without the Slot magic skipped"]);
  });

  it("skips slots that point into the slot pages, past the end, or repeat a package", () => {
    const bytes = NDB();
    bytes.writeUInt32LE(1, SLOT(1) + 8); // block 1 is inside the slot page
    bytes.writeUInt32LE(0x0fffffff, SLOT(2) + 8); // far past the end
    bytes.writeUInt32LE(3, SLOT(4) + 4); // package 4's slot claims package 3
    const { names, warnings } = read(bytes);
    expect(names).toHaveLength(4);
    expect(warnings).toEqual([
      "ndb slot 2 is invalid (package 1, block 1+122); skipped",
      "ndb slot 3: package 2 lies beyond the end of the file (truncated); skipped",
      "ndb slot 5: package 3 appears twice; the second is skipped",
    ]);
  });

  it("checks each blob's head, length and tail", () => {
    const bytes = NDB();
    bytes.write("Blbx", blobAt(bytes, 1), "latin1");
    bytes.writeUInt32LE(9, blobAt(bytes, 2) + 4);
    bytes.writeUInt32LE(bytes.readUInt32LE(blobAt(bytes, 3) + 12) + 64, blobAt(bytes, 3) + 12);
    const tail4 = blobAt(bytes, 4) + bytes.readUInt32LE(SLOT(4) + 12) * 16 - 4;
    bytes.write("Blbx", tail4, "latin1");
    const { names, warnings } = read(bytes);
    expect(names).toHaveLength(3);
    expect(warnings).toEqual([
      "ndb package 1: bad blob head magic",
      "ndb package 2: blob belongs to package 9",
      expect.stringMatching(/^ndb package 3: blob length \d+ does not fit its \d+ blocks$/),
      "ndb package 4: bad blob tail",
    ]);
  });

  it("caps a slot page count beyond the file and refuses unknown versions and short files", () => {
    const bytes = NDB();
    bytes.writeUInt32LE(1000, 12);
    const { names, warnings } = read(bytes);
    expect(warnings).toEqual(["ndb header claims 1000 slot pages but only 1 hold slots"]);
    expect(names).toHaveLength(7);

    const version = NDB();
    version.writeUInt32LE(1, 4);
    expect(parseRpmDatabase(version).warnings).toEqual(["ndb rpm database: ndb version 1 is not supported"]);
    expect(parseRpmDatabase(NDB().subarray(0, 20)).warnings).toEqual([
      "ndb rpm database: ndb file header is truncated",
    ]);
    expect(parseRpmDatabase(NDB().subarray(0, 4000)).warnings).toEqual([
      "ndb rpm database: ndb file has no slot page",
    ]);
    const none = NDB();
    none.writeUInt32LE(0, 12);
    expect(parseRpmDatabase(none).warnings).toEqual(["ndb rpm database: ndb header has no slot pages"]);
  });
});
