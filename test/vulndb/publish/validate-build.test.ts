import { describe, expect, it } from "vitest";
import type { DbMetadata } from "../../../lib/vulndb/db/metadata.js";
import type { DbManifest } from "../../../lib/vulndb/publish/db-manifest.js";
import { validateBuild } from "../../../lib/vulndb/publish/validate-build.js";

function metadata(advisories: number, ecosystems: Record<string, number>, schemaVersion = 1): DbMetadata {
  return {
    schemaVersion,
    formatVersion: 1,
    osvSchemaVersion: "1.6.0",
    builtAt: "2025-01-10T06:00:00.000Z",
    sources: [],
    counts: {
      advisories,
      withdrawn: 0,
      packages: 10,
      aliases: 10,
      enrichments: 100,
      ecosystems: Object.fromEntries(
        Object.entries(ecosystems).map(([name, count]) => [name, { advisories: count, packages: count }]),
      ),
    },
    layout: { compression: "brotli", blocks: 1, blockSize: 1, pageSize: 1, pages: {} },
  };
}

function manifest(meta: DbMetadata): DbManifest {
  return {
    manifestVersion: 1,
    schemaVersion: meta.schemaVersion,
    formatVersion: 1,
    builtAt: "2025-01-10T00:00:00.000Z",
    key: "db/versions/x.db",
    sha256: "0".repeat(64),
    size: 1,
    indexKey: "db/versions/x.index.json.gz",
    counts: meta.counts,
    sources: [],
  };
}

const previous = manifest(metadata(1000, { "Debian:11": 300, "Debian:12": 300, Go: 300, Wolfi: 10 }));

describe("validateBuild", () => {
  it("accepts a first build and a build within the allowed drop", () => {
    expect(() => validateBuild(metadata(10, { Go: 10 }), undefined)).not.toThrow();
    expect(() =>
      validateBuild(metadata(950, { "Debian:11": 280, "Debian:12": 300, Go: 290, Wolfi: 1 }), previous),
    ).not.toThrow();
  });

  it("refuses a total drop beyond the ratio, naming every problem", () => {
    expect(() => validateBuild(metadata(700, { "Debian:12": 300, Go: 300 }), previous)).toThrow(
      /advisories fell from 1000 to 700; Debian advisories fell from 600 to 300/,
    );
  });

  it("refuses an ecosystem that vanished though the total held", () => {
    expect(() => validateBuild(metadata(1000, { "Debian:11": 300, "Debian:12": 300 }), previous)).toThrow(
      /Go advisories fell from 300 to 0/,
    );
  });

  it("honours a configured ratio and skips small ecosystems", () => {
    const next = metadata(800, { "Debian:11": 240, "Debian:12": 240, Go: 240 });
    expect(() => validateBuild(next, previous)).toThrow(/DbValidation|fell/);
    expect(() => validateBuild(next, previous, { maxDropRatio: 0.25 })).not.toThrow();
  });

  it("refuses a schema the workers do not read, and rebaselines after a schema change", () => {
    expect(() => validateBuild(metadata(1000, {}, 2), previous)).toThrow(/schema version 2.*read 1/);
    const next = metadata(1, { Go: 1 }, 2);
    expect(() => validateBuild(next, previous, { expectedSchemaVersion: 2 })).not.toThrow();
  });
});
