import { describe, expect, it } from "vitest";
import { RpmDatabaseError } from "../../../lib/analyzers/rpm/rpm-database-error.js";
import { parseRpmHeader, RpmTag } from "../../../lib/analyzers/rpm/rpm-header.js";
import { parseSourceRpm, rpmHeaderToPackage } from "../../../lib/analyzers/rpm/rpm-header-package.js";
import { buildHeaderBlob, int32, minimalTags, str } from "./rpm-fixtures.js";

const noWarn = (m: string) => {
  throw new Error(`unexpected warning: ${m}`);
};

describe("parseRpmHeader", () => {
  it("reads strings, integers, i18n strings and string arrays", () => {
    const h = parseRpmHeader(
      buildHeaderBlob([
        ...minimalTags("curl", "7.76.0", "6.cm2"),
        { tag: RpmTag.EPOCH, type: 4, data: int32(2) },
        { tag: 1004, type: 9, data: Buffer.from("summary C\0summary de\0") },
        { tag: 1117, type: 8, data: Buffer.from("a\0bb\0\0ccc\0") },
        { tag: 1009, type: 3, data: Buffer.from([0x12, 0x34]) },
        { tag: 5009, type: 5, data: Buffer.from([0, 0, 0, 1, 0, 0, 0, 2]) },
      ]),
    );
    expect(h.string(RpmTag.NAME)).toBe("curl");
    expect(h.integer(RpmTag.EPOCH)).toBe(2);
    expect(h.string(1004)).toBe("summary C");
    expect(h.stringArray(1004)).toEqual(["summary C", "summary de"]);
    expect(h.stringArray(1117)).toEqual(["a", "bb", "", "ccc"]);
    expect(h.string(1117)).toBe("a");
    expect(h.integer(1009)).toBe(0x1234);
    expect(h.integer(5009)).toBe(2 ** 32 + 2);
    expect(h.has(RpmTag.LICENSE)).toBe(false);
    expect(h.string(RpmTag.LICENSE)).toBeUndefined();
    expect(h.stringArray(RpmTag.NAME)).toEqual(["curl"]);
  });

  it("skips region tags and lets a dribble entry replace a region entry, as headerImport does", () => {
    // Region marker first (HEADER_IMMUTABLE, BIN, count 16, offset to its trailer), then region entries,
    // then a dribble entry for a tag the region already has.
    const tags = [
      { tag: 63, type: 7, data: Buffer.alloc(16), count: 16 },
      ...minimalTags("pkg", "1.0", "1"),
      { tag: RpmTag.RELEASE, type: 6, data: str("2.dribble") },
    ];
    const h = parseRpmHeader(buildHeaderBlob(tags));
    expect(h.has(63)).toBe(false);
    expect(h.string(RpmTag.RELEASE)).toBe("2.dribble");
  });

  it("rejects blobs whose counts do not fit", () => {
    const ok = buildHeaderBlob(minimalTags());
    expect(() => parseRpmHeader(Buffer.alloc(4))).toThrow(RpmDatabaseError);
    expect(() => parseRpmHeader(buildHeaderBlob(minimalTags(), { indexCount: 0 }))).toThrow(/index count 0/);
    expect(() => parseRpmHeader(buildHeaderBlob(minimalTags(), { indexCount: 0x10000 }))).toThrow(
      /out of range/,
    );
    expect(() => parseRpmHeader(buildHeaderBlob(minimalTags(), { indexCount: 1000 }))).toThrow(/needs/);
    expect(() => parseRpmHeader(buildHeaderBlob(minimalTags(), { dataLength: 0x7fffffff }))).toThrow(
      /too large/,
    );
    expect(() => parseRpmHeader(ok.subarray(0, ok.length - 1))).toThrow(/needs/);
    const max = Buffer.alloc(8);
    max.writeUInt32BE(0xffffffff, 0);
    max.writeUInt32BE(0xffffffff, 4);
    expect(() => parseRpmHeader(max)).toThrow(RpmDatabaseError);
  });

  it("bounds-checks every value read", () => {
    const h = parseRpmHeader(
      buildHeaderBlob([
        { tag: 1000, type: 6, data: str("pkg") },
        { tag: 1001, type: 6, offset: 1_000_000 },
        { tag: 1002, type: 6, offset: -16 },
        { tag: 1004, type: 8, count: 0xffffffff },
        { tag: 1005, type: 6, data: Buffer.from("no terminator") },
        { tag: 1006, type: 7, data: Buffer.from([1, 2, 3]) },
        { tag: 1007, type: 4, count: 0 },
      ]),
    );
    expect(() => h.string(1001)).toThrow(/outside/);
    expect(() => h.string(1002)).toThrow(/outside/);
    expect(() => h.stringArray(1004)).toThrow(/too large/);
    expect(() => h.string(1005)).toThrow(/runs past/);
    expect(() => h.string(1006)).toThrow(/not a string/);
    expect(() => h.integer(1006)).toThrow(/not an integer/);
    expect(() => h.integer(1007)).toThrow(/no values/);
    expect(h.string(1000)).toBe("pkg");
    // An INT32 whose 4 bytes start inside the 4-byte data store but end past it.
    const tail = parseRpmHeader(
      buildHeaderBlob([
        { tag: 1000, type: 6, data: str("pkg") },
        { tag: 1003, type: 4, offset: 2, count: 1 },
      ]),
    );
    expect(() => tail.integer(1003)).toThrow(/outside/);
  });
});

describe("rpmHeaderToPackage", () => {
  it("builds [epoch:]version-release, the source from SOURCERPM with the binary's epoch, and metadata", () => {
    const finding = rpmHeaderToPackage(
      parseRpmHeader(
        buildHeaderBlob([
          ...minimalTags("libuuid", "2.32.1", "42.el8_8"),
          { tag: RpmTag.EPOCH, type: 4, data: int32(1) },
          { tag: RpmTag.VENDOR, type: 6, data: str("Red Hat, Inc.") },
          { tag: RpmTag.LICENSE, type: 6, data: str("BSD AND GPLv2+") },
          { tag: RpmTag.SOURCERPM, type: 6, data: str("util-linux-2.32.1-42.el8_8.src.rpm") },
          { tag: RpmTag.MODULARITYLABEL, type: 6, data: str("nodejs:18:8090020230810123456:8a3a2d11") },
        ]),
      ),
      noWarn,
    );
    expect(finding).toEqual({
      ecosystem: "rpm",
      name: "libuuid",
      version: "1:2.32.1-42.el8_8",
      epoch: 1,
      source: { name: "util-linux", version: "1:2.32.1-42.el8_8" },
      arch: "x86_64",
      licenses: ["BSD AND GPLv2+"],
      vendor: "Red Hat, Inc.",
      modularityLabel: "nodejs:18:8090020230810123456:8a3a2d11",
    });
  });

  it("keeps epoch 0 (rpm prints 0:) and uses the package itself as source without SOURCERPM", () => {
    const finding = rpmHeaderToPackage(
      parseRpmHeader(
        buildHeaderBlob([...minimalTags("p", "1", "2"), { tag: 1003, type: 4, data: int32(0) }]),
      ),
      noWarn,
    );
    expect(finding).toMatchObject({ version: "0:1-2", epoch: 0, source: { name: "p", version: "0:1-2" } });
  });

  it("skips gpg-pubkey, refuses a header without NAME or VERSION, and warns about unreadable optional tags", () => {
    const key = parseRpmHeader(buildHeaderBlob(minimalTags("gpg-pubkey", "1df4fb83", "6b0acc8b")));
    expect(rpmHeaderToPackage(key, noWarn)).toBeUndefined();
    const noName = parseRpmHeader(buildHeaderBlob(minimalTags().slice(1)));
    expect(() => rpmHeaderToPackage(noName, noWarn)).toThrow(/no NAME/);
    const noVersion = parseRpmHeader(buildHeaderBlob([{ tag: 1000, type: 6, data: str("x") }]));
    expect(() => rpmHeaderToPackage(noVersion, noWarn)).toThrow(/no VERSION/);

    const warnings: string[] = [];
    const finding = rpmHeaderToPackage(
      parseRpmHeader(
        buildHeaderBlob([
          ...minimalTags("p", "1", "2"),
          { tag: RpmTag.LICENSE, type: 6, offset: 99_999 },
          { tag: RpmTag.SOURCERPM, type: 6, data: str("garbage") },
        ]),
      ),
      (m) => warnings.push(m),
    );
    expect(finding).toEqual({
      ecosystem: "rpm",
      name: "p",
      version: "1-2",
      source: { name: "p", version: "1-2" },
      arch: "x86_64",
    });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/SOURCERPM "garbage"/);
    expect(warnings[1]).toMatch(/LICENSE unreadable/);
  });
});

describe("parseSourceRpm", () => {
  it("splits name-version-release.src.rpm on the last two dashes", () => {
    expect(parseSourceRpm("util-linux-2.32.1-42.el8_8.src.rpm")).toEqual({
      name: "util-linux",
      version: "2.32.1",
      release: "42.el8_8",
    });
    expect(parseSourceRpm("python3.11-3.11.2-2.el9.nosrc.rpm")).toEqual({
      name: "python3.11",
      version: "3.11.2",
      release: "2.el9",
    });
    expect(parseSourceRpm("a-1-2.src.rpm")).toEqual({ name: "a", version: "1", release: "2" });
  });

  it("refuses names without version and release", () => {
    for (const bad of [
      "",
      "(none)",
      "curl.src.rpm",
      "curl-1.src.rpm",
      "-1-2.src.rpm",
      "a--2.src.rpm",
      "a-1-.src.rpm",
    ]) {
      expect(parseSourceRpm(bad), bad).toBeUndefined();
    }
  });
});
