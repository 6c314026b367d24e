import { describe, expect, it } from "vitest";
import { rpmAnalyzer } from "../../../lib/analyzers/rpm/rpm-analyzer.js";
import { junkBytes, readFixture } from "../fixtures.js";

/**
 * Damaged databases must never throw out of the analyzer, hang, or lose packages silently: whatever
 * is missing is explained by at least one warning. Node's own RangeError text in a warning would mean
 * a read was not bounds-checked by the reader itself.
 */
const CASES = [
  {
    dir: "pkgdb/rpm",
    file: "go-rpmdb-cbl-mariner-2.0.rpmdb.sqlite",
    path: "var/lib/rpm/rpmdb.sqlite",
    flips: 40,
  },
  { dir: "pkgdb/rpm", file: "go-rpmdb-libuuid.Packages", path: "var/lib/rpm/Packages", flips: 150 },
  { dir: "rpm", file: "portcullis.rpmdb.sqlite", path: "var/lib/rpm/rpmdb.sqlite", flips: 150 },
  { dir: "rpm", file: "portcullis-1k-reserved.rpmdb.sqlite", path: "var/lib/rpm/rpmdb.sqlite", flips: 150 },
  { dir: "rpm", file: "portcullis.Packages.db", path: "var/lib/rpm/Packages.db", flips: 150 },
  { dir: "rpm", file: "portcullis-be.Packages", path: "var/lib/rpm/Packages", flips: 150 },
  { dir: "rpm", file: "portcullis-checksum.Packages", path: "var/lib/rpm/Packages", flips: 150 },
] as const;

const UNCHECKED_READ = /out of range\. It must be|outside buffer bounds|ERR_/;

function analyzeSafely(path: string, bytes: Buffer) {
  const result = rpmAnalyzer.analyze({ path, bytes });
  const warnings = result.warnings ?? [];
  for (const w of warnings) expect(w).not.toMatch(UNCHECKED_READ);
  return { count: result.packages?.length ?? 0, warnings };
}

describe("rpm analyzer on damaged databases", () => {
  for (const c of CASES) {
    const original = readFixture(c.dir, c.file);
    const full = rpmAnalyzer.analyze({ path: c.path, bytes: original }).packages?.length ?? 0;

    it(`${c.file}: truncated anywhere, it keeps what it can and says what it lost`, () => {
      const n = original.length;
      const cuts = [0, 1, 8, 15, 16, 31, 32, 64, 99, 100, 101, 511, 512, 1024, 4095, 4096, 4097, 8192];
      for (const f of [0.1, 0.25, 0.5, 0.75, 0.9]) cuts.push(Math.floor(n * f));
      cuts.push(n - 4096, n - 17, n - 1);
      for (const cut of cuts.filter((x) => x >= 0 && x < n)) {
        const { count, warnings } = analyzeSafely(c.path, original.subarray(0, cut));
        expect(count, `cut at ${cut}`).toBeLessThanOrEqual(full);
        if (count < full) expect(warnings.length, `cut at ${cut}`).toBeGreaterThan(0);
      }
    });

    it(`${c.file}: random byte flips never throw`, () => {
      const started = Date.now();
      const rand = junkBytes(c.flips * 64, c.file.length * 7919);
      for (let i = 0; i < c.flips; i++) {
        const bytes = Buffer.from(original);
        const flips = 1 + ((rand[i * 64] as number) % 16);
        for (let j = 0; j < flips; j++) {
          const at = rand.readUInt32LE(i * 64 + 4 + j * 3) % bytes.length;
          bytes[at] = rand[i * 64 + 2 + j * 3] as number;
        }
        analyzeSafely(c.path, bytes);
      }
      expect(Date.now() - started).toBeLessThan(10_000);
    });

    it(`${c.file}: zeroed pages and junk after the header never throw`, () => {
      for (const pageSize of [1024, 4096]) {
        // About 60 positions per file, spread over all of it.
        const step = pageSize * Math.max(1, Math.floor(original.length / pageSize / 60));
        for (let start = pageSize; start < original.length; start += step) {
          const bytes = Buffer.from(original);
          bytes.fill(0, start, Math.min(start + pageSize, bytes.length));
          const { count, warnings } = analyzeSafely(c.path, bytes);
          if (count < full) expect(warnings.length, `zeroed at ${start}`).toBeGreaterThan(0);
        }
      }
      for (const keep of [32, 100, 512]) {
        const bytes = Buffer.concat([
          original.subarray(0, keep),
          junkBytes(Math.max(0, original.length - keep), keep),
        ]);
        analyzeSafely(c.path, bytes);
      }
    });
  }

  it("skips header blobs whose offsets or counts are out of range, and keeps the rest", () => {
    const bytes = Buffer.from(readFixture("rpm", "portcullis.Packages.db"));
    const blob = (n: number) => bytes.readUInt32LE(32 + (n - 1) * 16 + 8) * 16 + 16; // ndb slot n -> blob start
    // Package 1: NAME's offset far outside the data store.
    const first = blob(1);
    const entries = bytes.readUInt32BE(first);
    for (let i = 0; i < entries; i++) {
      if (bytes.readUInt32BE(first + 8 + i * 16) === 1000)
        bytes.writeInt32BE(0x7fffffff, first + 8 + i * 16 + 8);
    }
    // Package 2: an index count that cannot fit. Package 3: a data length beyond the blob.
    bytes.writeUInt32BE(0x00ffffff, blob(2));
    bytes.writeUInt32BE(0x0fffffff, blob(3) + 4);
    const result = rpmAnalyzer.analyze({ path: "var/lib/rpm/Packages.db", bytes });
    expect(result.packages).toHaveLength(3);
    expect(result.warnings).toEqual([
      expect.stringMatching(
        /^header 1: header tag 1000 offset 2147483647 is outside the \d+-byte data store; skipped$/,
      ),
      "header 2: header index count 16777215 is out of range; skipped",
      expect.stringMatching(/^header 3: header needs \d+ bytes .* but the blob has \d+; skipped$/),
    ]);
  });
});
