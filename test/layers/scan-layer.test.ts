import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { Analyzer } from "../../lib/analyzers/types.js";
import { DigestMismatchError, LayerFormatError } from "../../lib/errors.js";
import type { LayerResult } from "../../lib/layers/layer-result.js";
import { DEFAULT_LAYER_LIMITS, type LayerLimits } from "../../lib/layers/limits.js";
import { scanLayer } from "../../lib/layers/scan-layer.js";
import { lineAnalyzer } from "../helpers/line-analyzer.js";
import { buildLayer, type LayerEntry } from "../helpers/oci-builder.js";

async function scan(
  entries: LayerEntry[],
  compression: "gzip" | "zstd" | "none" = "gzip",
  limits: Partial<LayerLimits> = {},
): Promise<LayerResult> {
  const layer = await buildLayer(entries, compression);
  return scanLayer({
    open: async () => Readable.from([layer.blob]),
    digest: layer.digest,
    diffID: layer.diffID,
    analyzers: [lineAnalyzer],
    limits: { ...DEFAULT_LAYER_LIMITS, ...limits },
  });
}

function packageNames(result: LayerResult): string[] {
  return result.paths.flatMap((p) =>
    p.type === "file" ? p.results.flatMap((r) => (r.result.packages ?? []).map((pkg) => pkg.name)) : [],
  );
}

describe("scanLayer", () => {
  for (const compression of ["gzip", "zstd", "none"] as const) {
    it(`walks a ${compression} layer, verifies both digests and analyses required files`, async () => {
      const result = await scan(
        [
          { path: "etc/", type: "dir" },
          { path: "etc/pkgs", content: "alpha 1.0\nbeta 2.0\n" },
          { path: "usr/bin/tool", content: Buffer.alloc(200_000, 1) },
        ],
        compression,
      );
      expect(result.complete).toBe(true);
      expect(result.stats.compression).toBe(compression);
      expect(result.stats.entries).toBe(3);
      expect(result.stats.bufferedFiles).toBe(1);
      expect(packageNames(result)).toEqual(["alpha", "beta"]);
    });
  }

  it("records whiteouts and opaque directories without analysing them", async () => {
    const result = await scan([
      { path: "etc/.wh.pkgs", content: "" },
      { path: "opt/pkgs/.wh..wh..opq", content: "" },
      { path: "opt/pkgs/new", content: "gamma 3\n" },
    ]);
    expect(result.whiteouts).toEqual(["etc/pkgs"]);
    expect(result.opaqueDirs).toEqual(["opt/pkgs"]);
    expect(packageNames(result)).toEqual(["gamma"]);
  });

  it("reads long (PAX) names and analyses hard links to required files", async () => {
    const deep = `opt/pkgs/${"d".repeat(150)}/list`;
    const result = await scan([
      { path: deep, content: "longname 1\n" },
      { path: "etc/pkgs", type: "link", linkname: deep },
    ]);
    expect(result.paths.map((p) => p.path).sort()).toEqual(["etc/pkgs", deep].sort());
    expect(packageNames(result)).toEqual(["longname", "longname"]);
  });

  it("warns about a hard link to a file it did not buffer", async () => {
    const result = await scan([
      { path: "usr/share/list", content: "hidden 1\n" },
      { path: "etc/pkgs", type: "link", linkname: "usr/share/list" },
    ]);
    expect(result.warnings.map((w) => w.code)).toContain("hardlink-unresolved");
    expect(result.paths).toEqual([{ path: "etc/pkgs", type: "opaque-file" }]);
  });

  it("records symlinks at required paths", async () => {
    const result = await scan([{ path: "etc/pkgs", type: "symlink", linkname: "../usr/lib/pkgs" }]);
    expect(result.paths).toEqual([{ path: "etc/pkgs", type: "symlink", target: "../usr/lib/pkgs" }]);
  });

  it("never lets a path escape the root and warns about it", async () => {
    const result = await scan([
      { path: "../../etc/pkgs", content: "evil 1\n" },
      { path: "/etc/pkgs", content: "absolute 1\n" },
      { path: "./opt/../etc/pkgs", content: "dotted 1\n" },
    ]);
    expect(result.warnings.map((w) => w.code)).toContain("path-traversal");
    // The absolute and dotted names land inside the root; the later entry wins.
    expect(packageNames(result)).toEqual(["dotted"]);
  });

  it("keeps going when an analyzer throws, with a warning", async () => {
    const result = await scan([
      { path: "etc/pkgs", content: "boom 1\n" },
      { path: "opt/pkgs/ok", content: "fine 1\n" },
    ]);
    expect(result.warnings.map((w) => w.code)).toContain("analyzer-failed");
    expect(packageNames(result)).toEqual(["fine"]);
  });

  it("skips files above the size cap with a warning", async () => {
    const result = await scan([{ path: "etc/pkgs", content: Buffer.alloc(2 * 1024 * 1024, 0x61) }]);
    expect(result.warnings.map((w) => w.code)).toEqual(["file-too-large"]);
    expect(result.paths).toEqual([{ path: "etc/pkgs", type: "opaque-file" }]);
  });

  it("skips over-long paths with a warning", async () => {
    const result = await scan([{ path: `opt/pkgs/${"x".repeat(300)}`, content: "a 1\n" }], "gzip", {
      maxPathLength: 200,
    });
    expect(result.warnings.map((w) => w.code)).toEqual(["path-too-long"]);
    expect(result.paths).toEqual([]);
  });

  it("stops a decompression bomb at the byte cap and keeps what it found", async () => {
    const result = await scan(
      [
        { path: "etc/pkgs", content: "early 1\n" },
        { path: "zeros", content: Buffer.alloc(50 * 1024 * 1024) },
      ],
      "gzip",
      { maxLayerBytes: 10 * 1024 * 1024 },
    );
    expect(result.complete).toBe(false);
    expect(result.warnings.map((w) => w.code)).toContain("layer-limit");
    expect(packageNames(result)).toEqual(["early"]);
  });

  it("stops at the entry cap", async () => {
    const entries = Array.from({ length: 30 }, (_, i) => ({ path: `f${i}`, content: "x" }));
    const result = await scan(entries, "none", { maxEntries: 10 });
    expect(result.complete).toBe(false);
    expect(result.warnings.map((w) => w.code)).toContain("layer-limit");
  });

  it("spills big files to a temporary file for analyzers that ask for it, then deletes it", async () => {
    const tmpDir = await mkdtemp(join(tmpdir(), "spill-test-"));
    const seen: Array<{ path: string; size: number; mode?: number; head: string; existed: boolean }> = [];
    const spilling: Analyzer = {
      name: "spilling",
      version: 1,
      maxFileSize: 10 * 1024 * 1024,
      spillAbove: 1024,
      required: (path, _size, mode) => path.startsWith("bin/") && ((mode ?? 0) & 0o111) !== 0,
      analyze: ({ path, bytes }) => ({
        packages: [{ ecosystem: "test", name: path, version: `mem-${bytes.length}` }],
      }),
      analyzeFile: async ({ path, file, size, mode }) => {
        const bytes = await readFile(file);
        seen.push({ path, size, mode, head: bytes.subarray(0, 4).toString(), existed: existsSync(file) });
        return { packages: [{ ecosystem: "test", name: path, version: `file-${bytes.length}` }] };
      },
    };
    const layer = await buildLayer(
      [
        {
          path: "bin/big",
          content: Buffer.concat([Buffer.from("\u007fELF"), Buffer.alloc(3 * 1024 * 1024, 1)]),
          mode: 0o755,
        },
        { path: "bin/small", content: "tiny", mode: 0o755 },
        { path: "bin/not-executable", content: Buffer.alloc(5000), mode: 0o644 },
      ],
      "gzip",
    );
    const result = await scanLayer({
      open: async () => Readable.from([layer.blob]),
      digest: layer.digest,
      diffID: layer.diffID,
      analyzers: [spilling],
      limits: DEFAULT_LAYER_LIMITS,
      tmpDir,
    });
    expect(seen).toEqual([
      { path: "bin/big", size: 3 * 1024 * 1024 + 4, mode: 0o755, head: "\u007fELF", existed: true },
    ]);
    expect(
      result.paths.flatMap((p) =>
        p.type === "file" ? p.results.flatMap((r) => r.result.packages ?? []) : [],
      ),
    ).toEqual([
      { ecosystem: "test", name: "bin/big", version: `file-${3 * 1024 * 1024 + 4}` },
      { ecosystem: "test", name: "bin/small", version: "mem-4" },
    ]);
    expect(await readdir(tmpDir)).toEqual([]);
    await rm(tmpDir, { recursive: true, force: true });
  });

  it("fails on a compressed digest mismatch", async () => {
    const layer = await buildLayer([{ path: "a", content: "a" }], "gzip");
    const wrong = `sha256:${"0".repeat(64)}`;
    await expect(
      scanLayer({
        open: async () => Readable.from([layer.blob]),
        digest: wrong,
        diffID: layer.diffID,
        analyzers: [lineAnalyzer],
        limits: DEFAULT_LAYER_LIMITS,
      }),
    ).rejects.toBeInstanceOf(DigestMismatchError);
  });

  it("fails on a diffID mismatch", async () => {
    const layer = await buildLayer([{ path: "a", content: "a" }], "gzip");
    await expect(
      scanLayer({
        open: async () => Readable.from([layer.blob]),
        digest: layer.digest,
        diffID: `sha256:${"1".repeat(64)}`,
        analyzers: [lineAnalyzer],
        limits: DEFAULT_LAYER_LIMITS,
      }),
    ).rejects.toThrow(/uncompresses to/);
  });

  const corrupt: Array<[string, (blob: Buffer) => Buffer, "gzip" | "zstd" | "none"]> = [
    ["truncated gzip", (b) => b.subarray(0, Math.floor(b.length / 2)), "gzip"],
    [
      "corrupted gzip",
      (b) => Buffer.concat([b.subarray(0, 20), Buffer.alloc(64, 0xff), b.subarray(84)]),
      "gzip",
    ],
    ["truncated zstd", (b) => b.subarray(0, Math.floor(b.length / 2)), "zstd"],
    ["garbage tar", () => Buffer.alloc(4096, 0x41), "none"],
    ["gzip of garbage", () => gzipSync(Buffer.alloc(4096, 0x41)), "gzip"],
  ];
  for (const [label, mangle, compression] of corrupt) {
    it(`reports a ${label} as a LayerFormatError`, async () => {
      const layer = await buildLayer([{ path: "etc/pkgs", content: "a 1\n".repeat(5000) }], compression);
      const blob = mangle(layer.blob);
      const { createHash } = await import("node:crypto");
      const digest = `sha256:${createHash("sha256").update(blob).digest("hex")}`;
      await expect(
        scanLayer({
          open: async () => Readable.from([blob]),
          digest,
          diffID: layer.diffID,
          analyzers: [lineAnalyzer],
          limits: DEFAULT_LAYER_LIMITS,
        }),
      ).rejects.toBeInstanceOf(LayerFormatError);
    });
  }

  it("reports a blob stream that fails mid-way", async () => {
    const layer = await buildLayer([{ path: "big", content: Buffer.alloc(3_000_000, 7) }], "none");
    const failing = new Readable({
      read() {
        this.push(layer.blob.subarray(0, 100_000));
        this.destroy(new Error("connection reset"));
      },
    });
    await expect(
      scanLayer({
        open: async () => failing,
        digest: layer.digest,
        diffID: layer.diffID,
        analyzers: [lineAnalyzer],
        limits: DEFAULT_LAYER_LIMITS,
      }),
    ).rejects.toThrow(/could not be read completely: connection reset/);
  });
});
