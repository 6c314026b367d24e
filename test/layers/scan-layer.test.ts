import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
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
