import { describe, expect, it } from "vitest";
import type { DbManifest } from "../../../lib/vulndb/publish/db-manifest.js";
import { buildDbUpdatedDetail, dbUpdatedEntryBytes } from "../../../lib/vulndb/publish/db-updated-event.js";
import type { DatabaseDiff } from "../../../lib/vulndb/publish/diff-databases.js";

const manifest: DbManifest = {
  manifestVersion: 1,
  schemaVersion: 1,
  formatVersion: 1,
  builtAt: "2025-01-10T06:00:00.000Z",
  key: "db/versions/2025-01-10T06-00-00-000Z.db",
  sha256: "a".repeat(64),
  size: 1234,
  indexKey: "db/versions/2025-01-10T06-00-00-000Z.index.json.gz",
  counts: { advisories: 9, withdrawn: 1, packages: 5, aliases: 3, enrichments: 2, ecosystems: {} },
  sources: [],
  previous: { builtAt: "2025-01-10T00:00:00.000Z", key: "db/versions/old.db", sha256: "b".repeat(64) },
};

const ids = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(6, "0")}`);
const input = (diff: DatabaseDiff) => ({
  bucket: "db-bucket",
  currentKey: "db/portcullis.db",
  manifestKey: "db/manifest.json",
  manifest,
  diff,
});

describe("buildDbUpdatedDetail", () => {
  it("carries the build, the counts and every id when they fit", () => {
    const detail = buildDbUpdatedDetail(
      input({
        totals: { added: 1, modified: 1, removed: 0 },
        ecosystems: { Go: { added: ["GO-1"], modified: ["GO-2"], removed: [] } },
      }),
    );
    expect(detail).toEqual({
      version: 1,
      builtAt: manifest.builtAt,
      previousBuiltAt: "2025-01-10T00:00:00.000Z",
      bucket: "db-bucket",
      key: "db/portcullis.db",
      versionKey: manifest.key,
      manifestKey: "db/manifest.json",
      sha256: manifest.sha256,
      size: 1234,
      schemaVersion: 1,
      counts: { advisories: 9, withdrawn: 1, packages: 5, enrichments: 2 },
      changes: { added: 1, modified: 1, removed: 0 },
      ecosystems: {
        Go: {
          addedCount: 1,
          modifiedCount: 1,
          removedCount: 0,
          added: ["GO-1"],
          modified: ["GO-2"],
          removed: [],
          truncated: false,
        },
      },
      truncated: false,
    });
  });

  it("cuts the id lists evenly to stay under 256 KiB, keeping every count", () => {
    const diff: DatabaseDiff = {
      totals: { added: 60_000, modified: 5, removed: 0 },
      ecosystems: {
        Debian: { added: ids("DEBIAN-CVE-2024", 40_000), modified: [], removed: [] },
        npm: { added: ids("GHSA-xxxx-yyyy", 20_000), modified: ids("GHSA-mod", 5), removed: [] },
      },
    };
    const detail = buildDbUpdatedDetail(input(diff));
    expect(dbUpdatedEntryBytes(detail)).toBeLessThanOrEqual(256 * 1024 - 1024);
    expect(detail.truncated).toBe(true);
    expect(detail.changes).toEqual(diff.totals);
    const debian = detail.ecosystems.Debian;
    const npm = detail.ecosystems.npm;
    expect(debian).toMatchObject({ addedCount: 40_000, truncated: true });
    expect(npm).toMatchObject({ addedCount: 20_000, modifiedCount: 5, truncated: true });
    // One common cut: both big lists hold the same number of ids, the short one all of its own.
    expect(debian?.added.length).toBe(npm?.added.length);
    expect(debian?.added.length).toBeGreaterThan(1000);
    expect(npm?.modified).toEqual(ids("GHSA-mod", 5));
    expect(debian?.added.slice(0, 2)).toEqual(ids("DEBIAN-CVE-2024", 2));
    // The cut is the largest that fits: one more id per list would not.
    expect(dbUpdatedEntryBytes(detail)).toBeGreaterThan(256 * 1024 - 1024 - 2 * 40);
  });

  it("drops the lists altogether rather than send an oversize event", () => {
    const ecosystems = Object.fromEntries(
      ids("eco-with-a-long-name-to-take-room", 5000).map((name) => [
        name,
        { added: ["X"], modified: [], removed: [] },
      ]),
    );
    const detail = buildDbUpdatedDetail(input({ totals: { added: 1, modified: 0, removed: 0 }, ecosystems }));
    expect(detail.ecosystems).toEqual({});
    expect(detail.truncated).toBe(true);
    expect(dbUpdatedEntryBytes(detail)).toBeLessThan(256 * 1024);
  });
});
