import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Advisory } from "../../../lib/vulndb/advisory.js";
import { scanAdvisories } from "../../../lib/vulndb/db/db-reader.js";
import { buildDatabase } from "../../../lib/vulndb/db/db-writer.js";
import { openFileRangeSource } from "../../../lib/vulndb/db/range-source.js";
import {
  decodeIndex,
  digestOf,
  ecosystemsOf,
  encodeIndex,
  indexDatabase,
  NO_ECOSYSTEM,
} from "../../../lib/vulndb/publish/advisory-index.js";
import { madeAdvisories, realAdvisories } from "../db/fixtures.js";

let dir: string;
let dbPath: string;
let advisories: Advisory[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "advisory-index-"));
  dbPath = join(dir, "test.db");
  advisories = [...(await realAdvisories()), ...madeAdvisories];
  // Small blocks and pages: the scan must cross many of both.
  await buildDatabase(
    advisories,
    dbPath,
    { sources: [], builtAt: "2025-01-01T00:00:00Z" },
    {
      blockSize: 4096,
      pageSize: 1024,
    },
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("scanAdvisories", () => {
  it("yields every advisory once, withdrawn included, as stored", async () => {
    const source = await openFileRangeSource(dbPath);
    const seen = new Map<string, Advisory>();
    for await (const advisory of scanAdvisories(source)) {
      expect(seen.has(advisory.id)).toBe(false);
      seen.set(advisory.id, advisory);
    }
    await source.close?.();
    const ids = new Set(advisories.map((a) => a.id));
    expect(seen.size).toBe(ids.size);
    const sample = advisories.find((a) => a.id === "DSA-5000-1");
    expect(seen.get("DSA-5000-1")).toEqual(sample);
  });
});

describe("advisory index", () => {
  it("files an advisory under its base ecosystems, releases folded", () => {
    expect(ecosystemsOf(madeAdvisories[0] as Advisory)).toEqual(["Debian"]);
    expect(
      ecosystemsOf({
        id: "X",
        modified: "2024-01-01T00:00:00Z",
        affected: [
          { package: { ecosystem: "pypi", name: "a" } },
          { package: { ecosystem: "Alpine:v3.19", name: "b" } },
        ],
      }),
    ).toEqual(["Alpine", "PyPI"]);
    expect(ecosystemsOf({ id: "Y", modified: "2024-01-01T00:00:00Z" })).toEqual([NO_ECOSYSTEM]);
  });

  it("digests content but not the modified time", () => {
    const base: Advisory = { id: "X", modified: "2024-01-01T00:00:00Z", summary: "a" };
    expect(digestOf({ ...base, modified: "2025-01-01T00:00:00Z" })).toBe(digestOf(base));
    expect(digestOf({ ...base, summary: "b" })).not.toBe(digestOf(base));
  });

  it("indexes a DB and round-trips through its stored form", async () => {
    const source = await openFileRangeSource(dbPath);
    const index = await indexDatabase(source);
    await source.close?.();
    expect(index.get("DSA-5000-1")?.ecosystems).toEqual(["Debian"]);
    const decoded = decodeIndex(encodeIndex(index));
    expect(decoded).toEqual(index);
    expect(encodeIndex(decoded).equals(encodeIndex(index))).toBe(true);
  });

  it("refuses an index it cannot read", () => {
    expect(() => decodeIndex(Buffer.from("plain"))).toThrow(/not gzipped JSON/);
    expect(() => decodeIndex(gzipSync(JSON.stringify({ version: 2, advisories: [] })))).toThrow(/version 2/);
    expect(() => decodeIndex(gzipSync(JSON.stringify({ version: 1, advisories: [["only-id"]] })))).toThrow(
      /malformed row/,
    );
  });
});
