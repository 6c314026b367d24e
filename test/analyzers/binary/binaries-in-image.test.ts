import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { goBinaryAnalyzer } from "../../../lib/analyzers/golang/go-binary-analyzer.js";
import { ANALYZERS } from "../../../lib/analyzers/index.js";
import type { Analyzer, PackageFinding } from "../../../lib/analyzers/types.js";
import { openImageSource } from "../../../lib/image/open-image-source.js";
import type { ScanReport } from "../../../lib/report/scan-report.js";
import { scanImage } from "../../../lib/scan.js";
import { buildElf } from "../../helpers/elf-builder.js";
import { buildLayer, writeOciLayout } from "../../helpers/oci-builder.js";
import { readFixture } from "../fixtures.js";
import { GoFixtures } from "../golang/go-fixtures.js";

/**
 * The binary analyzers through the whole pipeline: an OCI layout whose layers hold a real Go
 * binary above the 8 MiB spill threshold, a small one in a later layer, a cargo-auditable ELF, a Cargo.lock and a
 * real non-Go binary; every package must come back with the layer and file it came from.
 */
let fx: GoFixtures;
let work: string;
let report: ScanReport;
let small: Buffer;
let big: Buffer;
const calls: string[] = [];

/** The real Go analyzer, recording whether each file came as bytes or as a spilled file. */
const recordingGo: Analyzer = {
  ...goBinaryAnalyzer,
  analyze: (input) => {
    calls.push(`bytes ${input.path}`);
    return goBinaryAnalyzer.analyze(input);
  },
  analyzeFile: async (input) => {
    calls.push(`file ${input.path}`);
    return (await goBinaryAnalyzer.analyzeFile?.(input)) ?? {};
  },
};

const AUDIT = deflateSync(
  JSON.stringify({
    packages: [
      { name: "rusty", version: "0.1.0", source: "local", dependencies: [1], root: true },
      { name: "smallvec", version: "1.13.2", source: "crates.io" },
    ],
  }),
);

beforeAll(async () => {
  fx = await GoFixtures.create();
  small = await readFile(await fx.build("native"));
  big = await readFile(await fx.build("big"));
  work = await mkdtemp(join(tmpdir(), "portcullis-binaries-"));
  const rusty = buildElf({
    sections: [
      { name: ".text", addr: 0x401000, data: Buffer.alloc(4096, 0xc3) },
      { name: ".dep-v0", data: AUDIT },
    ],
  }).bytes;
  const base = await buildLayer([
    { path: "usr/bin/", type: "dir" },
    { path: "usr/bin/ls", content: await readFile("/bin/ls"), mode: 0o755 },
    { path: "app/", type: "dir" },
    { path: "app/big-go", content: big, mode: 0o755 },
  ]);
  const app = await buildLayer([
    { path: "usr/local/bin/", type: "dir" },
    { path: "usr/local/bin/small-go", content: small, mode: 0o755 },
    { path: "app/Cargo.lock", content: readFixture("rust", "ripgrep.Cargo.lock") },
    { path: "usr/local/bin/rusty", content: rusty, mode: 0o755 },
  ]);
  const layout = join(work, "layout");
  await writeOciLayout(layout, { layers: [base, app], tag: "bins" });
  // The registered Go analyzer is swapped for one that records what it was given.
  const analyzers = [...ANALYZERS.filter((a) => a.name !== goBinaryAnalyzer.name), recordingGo];
  report = await scanImage(await openImageSource(`oci:${layout}:bins`), { analyzers });
}, 300_000);

afterAll(async () => {
  await fx?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

function found(ecosystem: string) {
  return report.packages
    .filter((p) => p.ecosystem === ecosystem)
    .map((p) => ({ name: p.name, version: p.version, foundIn: p.foundIn, layer: p.layer.index }))
    .sort((a, b) => (a.foundIn + a.name < b.foundIn + b.name ? -1 : 1));
}

const located = (packages: PackageFinding[] | undefined, foundIn: string, layer: number) =>
  (packages ?? []).map((p) => ({ name: p.name, version: p.version, foundIn, layer }));

describe("binaries in an image", () => {
  it("spills the big Go binary and hands the small one over as bytes", () => {
    expect(big.length).toBeGreaterThan(goBinaryAnalyzer.spillAbove as number);
    expect(small.length).toBeLessThan(goBinaryAnalyzer.spillAbove as number);
    expect(calls.sort()).toEqual([
      "bytes usr/bin/ls",
      "bytes usr/local/bin/rusty",
      "bytes usr/local/bin/small-go",
      "file app/big-go",
    ]);
  });

  it("finds the Go modules of both binaries, each with its file and layer", () => {
    const inFiles = [
      ...located(goBinaryAnalyzer.analyze({ path: "", bytes: big }).packages, "app/big-go", 0),
      ...located(goBinaryAnalyzer.analyze({ path: "", bytes: small }).packages, "usr/local/bin/small-go", 1),
    ];
    expect(inFiles.map((p) => p.name)).toEqual(
      expect.arrayContaining(["stdlib", "example.com/portcullis/colour-fork"]),
    );
    // Each binary's modules carry that binary's layer, even those two binaries share (stdlib).
    expect(found("golang")).toEqual(
      inFiles.sort((a, b) => (a.foundIn + a.name < b.foundIn + b.name ? -1 : 1)),
    );
    expect(
      found("golang").find((p) => p.name === "stdlib" && p.foundIn === "usr/local/bin/small-go")?.layer,
    ).toBe(1);
    expect(found("golang").find((p) => p.name === "example.com/portcullis/colour-fork")?.layer).toBe(1);
  });

  it("finds the cargo-auditable crates and the Cargo.lock crates", () => {
    const cargo = found("cargo");
    expect(cargo.filter((p) => p.foundIn === "usr/local/bin/rusty")).toEqual([
      { name: "smallvec", version: "1.13.2", foundIn: "usr/local/bin/rusty", layer: 1 },
    ]);
    const fromLock = cargo.filter((p) => p.foundIn === "app/Cargo.lock");
    expect(fromLock).toHaveLength(52);
    expect(fromLock.every((p) => p.layer === 1)).toBe(true);
  });

  it("adds no warnings for the non-Go binary or anything else", () => {
    expect(report.warnings).toEqual([]);
  });
});
