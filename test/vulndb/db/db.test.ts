import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { BufferRandomAccess } from "../../../lib/analyzers/random-access.js";
import type { Advisory } from "../../../lib/vulndb/advisory.js";
import { dbInfo } from "../../../lib/vulndb/db/db-info.js";
import { openDatabase, openDatabaseFile, verifyDatabase } from "../../../lib/vulndb/db/db-reader.js";
import { buildDatabase } from "../../../lib/vulndb/db/db-writer.js";
import { VulnDbError } from "../../../lib/vulndb/db/errors.js";
import { decodeHeader, HEADER_LENGTH } from "../../../lib/vulndb/db/format.js";
import { packageKey } from "../../../lib/vulndb/db/package-key.js";
import {
  BUILT_AT,
  buildFixtureDb,
  madeAdvisories,
  madeEnrichment,
  realAdvisories,
  withTempDir,
} from "./fixtures.js";

/** What advisoriesFor must answer, computed from the input rather than the DB. */
function expectedIndex(advisories: Advisory[]): Map<string, string[]> {
  const index = new Map<string, Set<string>>();
  for (const advisory of advisories) {
    if (advisory.withdrawn) continue;
    for (const affected of advisory.affected ?? []) {
      if (!affected.package) continue;
      const key = packageKey(affected.package.ecosystem, affected.package.name);
      const text = `${key.ecosystem}\u0000${key.name}`;
      index.set(text, (index.get(text) ?? new Set()).add(advisory.id));
    }
  }
  return new Map([...index].map(([key, ids]) => [key, [...ids].sort()]));
}

let bytes: Buffer;
let all: Advisory[];

beforeAll(async () => {
  all = [...(await realAdvisories()), ...madeAdvisories];
  bytes = await withTempDir(async (dir) => {
    const out = join(dir, "vuln.db");
    const stats = await buildFixtureDb(out);
    expect(stats.advisories).toBe(all.length);
    expect(stats.blocks).toBeGreaterThan(5);
    // Nothing but the DB is left behind: the temp file was renamed.
    expect(await readdir(dir)).toEqual(["vuln.db"]);
    return readFile(out);
  });
});

const open = (data = bytes) => openDatabase(new BufferRandomAccess(data));

describe("vulnerability DB", () => {
  it("answers every package key with exactly the non-withdrawn advisories that name it", async () => {
    const db = await open();
    const expected = expectedIndex(all);
    expect(expected.size).toBeGreaterThan(40);
    for (const [key, ids] of expected) {
      const [ecosystem, name] = key.split("\u0000") as [string, string];
      const found = await db.advisoriesFor(ecosystem, name);
      expect(found.map((a) => a.id)).toEqual(ids);
    }
  });

  it("returns records unchanged and finds them by id, withdrawn ones included", async () => {
    const db = await open();
    for (const advisory of all) expect(await db.advisory(advisory.id)).toEqual(advisory);
    expect(await db.advisory("GO-0000-0000")).toBeUndefined();
    expect((await db.advisory("GO-2022-0617"))?.withdrawn).toBeTruthy();
  });

  it("misses absent keys and normalises lookups", async () => {
    const db = await open();
    expect(await db.advisoriesFor("npm", "no-such-package")).toEqual([]);
    expect(await db.advisoriesFor("Zzz", "zzz")).toEqual([]);
    expect(await db.advisoriesFor("", "")).toEqual([]);
    // Withdrawn advisories never match.
    expect(await db.advisoriesFor("npm", "left-pad")).toEqual([]);
    // PyPI: PEP 503 on both sides.
    const byStored = await db.advisoriesFor("PyPI", "jw.util");
    expect(byStored.length).toBeGreaterThan(0);
    expect(await db.advisoriesFor("PyPI", "JW_Util")).toEqual(byStored);
    expect((await db.advisoriesFor("pypi", "zope-interface-extra")).map((a) => a.id)).toEqual([
      "GHSA-made-0001-0001",
    ]);
    expect((await db.advisoriesFor("PyPI", "Pillow")).length).toBeGreaterThan(40);
    // Distro keys from os-release spellings.
    expect((await db.advisoriesFor("debian:12.5", "openssl")).map((a) => a.id)).toEqual(["DSA-5000-1"]);
    expect((await db.advisoriesFor("alpine:3.19.1", "openssl")).map((a) => a.id)).toEqual([
      "ALPINE-CVE-2024-0001",
    ]);
    expect(await db.advisoriesFor("Debian:13", "openssl")).toEqual([]);
  });

  it("indexes aliases and upstream ids, and merges enrichment per CVE", async () => {
    const db = await open();
    expect(await db.aliasesOf("CVE-2024-0001")).toEqual(["ALPINE-CVE-2024-0001", "DSA-5000-1"]);
    expect(await db.aliasesOf("CVE-2020-36567")).toEqual(["GO-2020-0001"]);
    expect(await db.aliasesOf("GHSA-6vm3-jj99-7229")).toEqual(["GO-2020-0001"]);
    expect(await db.aliasesOf("CVE-1999-0000")).toEqual([]);
    expect(await db.enrichment("CVE-2024-0001")).toEqual({
      cve: "CVE-2024-0001",
      nvdCvss: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }],
      kev: { dateAdded: "2024-01-10" },
    });
    expect((await db.enrichment("CVE-2024-0002"))?.epss?.probability).toBe(0.5);
    expect(await db.enrichment("CVE-2024-9999")).toBeUndefined();
  });

  it("carries metadata and reports it for db info", async () => {
    const db = await open();
    const { metadata } = db;
    expect(metadata.schemaVersion).toBe(1);
    expect(metadata.builtAt).toBe(BUILT_AT);
    expect(metadata.sources.map((s) => s.name)).toEqual(["osv-go", "osv-pypi", "osv-crates", "made"]);
    expect(metadata.counts.advisories).toBe(all.length);
    expect(metadata.counts.withdrawn).toBe(all.filter((a) => a.withdrawn).length);
    expect(metadata.counts.enrichments).toBe(2);
    expect(Object.keys(metadata.counts.ecosystems)).toEqual([
      "Alpine:v3.19",
      "Debian:11",
      "Debian:12",
      "Go",
      "PyPI",
      "crates.io",
    ]);
    expect(metadata.counts.ecosystems["Debian:12"]).toEqual({ advisories: 1, packages: 1 });

    const info = dbInfo(db, { now: new Date("2024-06-03T00:00:00Z") });
    expect(info.ageMs).toBe(2 * 24 * 3600 * 1000);
    expect(info.stale).toBe(true);
    expect(dbInfo(db, { now: new Date("2024-06-01T01:00:00Z") }).stale).toBe(false);
    expect(info.sizeBytes).toBe(bytes.length);
    expect(info.ecosystems.find((e) => e.ecosystem === "Go")?.advisories).toBeGreaterThan(15);
  });

  it("opens by reading only the header, directory and metadata", async () => {
    const db = await open();
    const header = decodeHeader(bytes.subarray(0, HEADER_LENGTH), bytes.length);
    expect(db.bytesRead).toBe(
      HEADER_LENGTH + header.sections.directory.length + header.sections.metadata.length,
    );
    expect(db.bytesRead).toBeLessThan(bytes.length / 10);
    const before = db.bytesRead;
    await db.advisoriesFor("Go", "github.com/gin-gonic/gin");
    const afterOne = db.bytesRead;
    expect(afterOne).toBeGreaterThan(before);
    // The same lookup again is served from the caches.
    await db.advisoriesFor("Go", "github.com/gin-gonic/gin");
    expect(db.bytesRead).toBe(afterOne);
  });

  it("builds byte-identical files from the same input, whatever the advisory order", async () => {
    await withTempDir(async (dir) => {
      await buildFixtureDb(join(dir, "again.db"));
      expect((await readFile(join(dir, "again.db"))).equals(bytes)).toBe(true);
      const sources = (await open()).metadata.sources;
      await buildDatabase(
        [...[...all].reverse(), ...madeEnrichment],
        join(dir, "reversed.db"),
        { builtAt: BUILT_AT, sources },
        { blockSize: 8 * 1024, pageSize: 512 },
      );
      expect((await readFile(join(dir, "reversed.db"))).equals(bytes)).toBe(true);
    });
  });

  it("drops exact repeats and merges other records that share an id", async () => {
    await withTempDir(async (dir) => {
      const v318: Advisory = {
        id: "ALPINE-CVE-2024-1",
        modified: "2024-01-01T00:00:00Z",
        summary: "old",
        aliases: ["CVE-2024-1"],
        affected: [{ package: { ecosystem: "Alpine:v3.18", name: "musl" } }],
      };
      const v319: Advisory = {
        ...v318,
        modified: "2024-02-01T00:00:00Z",
        summary: "new",
        affected: [{ package: { ecosystem: "Alpine:v3.19", name: "musl" } }],
      };
      const stats = await buildDatabase([v319, v318, v318], join(dir, "dup.db"), { sources: [] });
      expect(stats.duplicates).toBe(2);
      expect(stats.advisories).toBe(1);
      const db = await openDatabaseFile(join(dir, "dup.db"));
      const merged = await db.advisory("ALPINE-CVE-2024-1");
      expect(merged?.summary).toBe("new");
      expect(merged?.modified).toBe("2024-02-01T00:00:00Z");
      expect(merged?.aliases).toEqual(["CVE-2024-1"]);
      expect(merged?.affected?.map((a) => a.package?.ecosystem)).toEqual(["Alpine:v3.18", "Alpine:v3.19"]);
      expect((await db.advisoriesFor("Alpine:v3.18", "musl")).map((a) => a.id)).toEqual([
        "ALPINE-CVE-2024-1",
      ]);
      expect((await db.advisoriesFor("Alpine:v3.19", "musl")).map((a) => a.id)).toEqual([
        "ALPINE-CVE-2024-1",
      ]);
      await db.close();
    });
  });

  it("builds and opens an empty DB", async () => {
    await withTempDir(async (dir) => {
      await buildDatabase([], join(dir, "empty.db"), { sources: [] });
      const db = await openDatabaseFile(join(dir, "empty.db"));
      expect(await db.advisoriesFor("npm", "x")).toEqual([]);
      expect(await db.advisory("x")).toBeUndefined();
      expect(db.metadata.counts.advisories).toBe(0);
      await db.close();
    });
  });

  it("passes the full-file check, and fails it after any change", async () => {
    await verifyDatabase(new BufferRandomAccess(bytes));
    const changed = Buffer.from(bytes);
    changed[HEADER_LENGTH + 40] = (changed[HEADER_LENGTH + 40] as number) ^ 0xff;
    await expect(verifyDatabase(new BufferRandomAccess(changed))).rejects.toBeInstanceOf(VulnDbError);
  });
});

describe("vulnerability DB corruption", () => {
  const header = () => decodeHeader(bytes.subarray(0, HEADER_LENGTH), bytes.length);
  const flip = (at: number) => {
    const copy = Buffer.from(bytes);
    copy[at] = (copy[at] as number) ^ 0x55;
    return copy;
  };

  it("fails the lookup that reads a corrupt block, and only that one", async () => {
    // The first block holds the smallest key: Alpine:v3.19 openssl.
    const db = await open(flip(header().sections.blocks.offset + 40));
    const error = await db.advisoriesFor("Alpine:v3.19", "openssl").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VulnDbError);
    expect((error as Error).message).toMatch(/record block .* corrupt/);
    expect((await db.advisoriesFor("PyPI", "pillow")).length).toBeGreaterThan(40);
    // A failed read is not cached as a success, and keeps failing.
    await expect(db.advisory("ALPINE-CVE-2024-0001")).rejects.toBeInstanceOf(VulnDbError);
  });

  it("fails the lookup that reads a corrupt index page", async () => {
    const db = await open(flip(header().sections.pages.offset + 3));
    await expect(db.advisoriesFor("Alpine:v3.19", "openssl")).rejects.toThrow(
      /packages index page .* corrupt/,
    );
  });

  it("refuses a truncated file at open", async () => {
    await expect(open(bytes.subarray(0, bytes.length - 100))).rejects.toThrow(/truncated/);
    await expect(open(bytes.subarray(0, 100))).rejects.toBeInstanceOf(VulnDbError);
    await expect(open(Buffer.alloc(0))).rejects.toBeInstanceOf(VulnDbError);
  });

  it("refuses wrong magic, another format version and a corrupt header, directory or metadata", async () => {
    await expect(open(flip(0))).rejects.toThrow(/bad magic/);
    const version = Buffer.from(bytes);
    version.writeUInt32LE(2, 8);
    await expect(open(version)).rejects.toThrow(/format version 2 is not supported/);
    await expect(open(flip(60))).rejects.toThrow(/header checksum/);
    await expect(open(flip(header().sections.directory.offset + 2))).rejects.toThrow(/directory checksum/);
    await expect(open(flip(header().sections.metadata.offset + 2))).rejects.toThrow(/metadata checksum/);
    await expect(open(Buffer.from("not a database at all".repeat(20)))).rejects.toBeInstanceOf(VulnDbError);
  });

  it("reports a file that cannot be opened as VulnDbError", async () => {
    await withTempDir(async (dir) => {
      await expect(openDatabaseFile(join(dir, "missing.db"))).rejects.toBeInstanceOf(VulnDbError);
      await writeFile(join(dir, "short.db"), bytes.subarray(0, 1000));
      await expect(openDatabaseFile(join(dir, "short.db"))).rejects.toBeInstanceOf(VulnDbError);
    });
  });
});
