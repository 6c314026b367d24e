import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { Analyzer } from "../../lib/analyzers/types.js";
import type { LayerResult } from "../../lib/layers/layer-result.js";
import { DEFAULT_LAYER_LIMITS } from "../../lib/layers/limits.js";
import { PathIndex } from "../../lib/layers/path-index.js";
import { scanLayer } from "../../lib/layers/scan-layer.js";
import { lineAnalyzer } from "../helpers/line-analyzer.js";
import { buildLayer, type LayerEntry } from "../helpers/oci-builder.js";

/** A sparse, sniffing analyzer like the secret scanner: text files only, reports lines with "KEY". */
function keyAnalyzer(seen: string[]): Analyzer {
  return {
    name: "keys",
    version: 1,
    maxFileSize: 64 * 1024,
    sparse: true,
    required: (path) => path.startsWith("app/") || path === "etc/pkgs",
    acceptsContent: (head) => !head.includes(0),
    analyze: ({ path, bytes }) => {
      seen.push(path);
      const text = bytes.toString("utf8");
      return text.includes("KEY")
        ? {
            secrets: [
              {
                ruleId: "k",
                category: "t",
                title: "t",
                severity: "HIGH",
                line: 1,
                match: "K***",
                fingerprint: "sha256:x",
              },
            ],
          }
        : {};
    },
  };
}

async function scan(entries: LayerEntry[], analyzers: Analyzer[]): Promise<LayerResult> {
  const layer = await buildLayer(entries, "gzip");
  return scanLayer({
    open: async () => Readable.from([layer.blob]),
    digest: layer.digest,
    diffID: layer.diffID,
    analyzers,
    limits: DEFAULT_LAYER_LIMITS,
  });
}

describe("tar walk: content sniffing and sparse analyzers", () => {
  it("drains binaries an analyzer declines and keeps records only for findings", async () => {
    const seen: string[] = [];
    const binary = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0]), Buffer.alloc(50_000, 1)]);
    const result = await scan(
      [
        { path: "app/config.ini", content: "user=app\nKEY=abc\n" },
        { path: "app/readme.txt", content: "nothing here\n" },
        { path: "app/server", content: binary, mode: 0o755 },
        { path: "app/big.txt", content: "x".repeat(70 * 1024) },
      ],
      [keyAnalyzer(seen)],
    );
    expect(seen.sort()).toEqual(["app/config.ini", "app/readme.txt"]);
    expect(result.paths.map((p) => p.path)).toEqual(["app/config.ini"]);
    // A file over a sparse analyzer's cap is skipped quietly, not warned about.
    expect(result.warnings).toEqual([]);
    expect(result.stats.bufferedFiles).toBe(2);
    const index = new PathIndex(result.pathIndex);
    for (const p of ["app/config.ini", "app/readme.txt", "app/server", "app/big.txt"])
      expect(index.has(p)).toBe(true);
  });

  it("keeps the record of a non-sparse analyzer even when the sparse one finds nothing", async () => {
    const result = await scan([{ path: "etc/pkgs", content: "zlib 1.3\n" }], [lineAnalyzer, keyAnalyzer([])]);
    expect(result.paths).toHaveLength(1);
    const record = result.paths[0];
    expect(record?.type === "file" && record.results.map((r) => r.analyzer)).toEqual(["line-packages"]);
  });

  it("never lets a deferred result replace a later entry for the same path", async () => {
    const result = await scan(
      [
        { path: "app/config.ini", content: "KEY=abc\n" },
        { path: "app/config.ini", type: "symlink", linkname: "/etc/config.ini" },
        { path: "app/other.ini", content: "KEY=def\n" },
      ],
      [keyAnalyzer([])],
    );
    const byPath = Object.fromEntries(result.paths.map((p) => [p.path, p.type]));
    expect(byPath).toEqual({ "app/config.ini": "symlink", "app/other.ini": "file" });
  });

  it("records setuid files, world-writable directories and package caches from the headers", async () => {
    const result = await scan(
      [
        { path: "usr/bin/passwd", content: "elf", mode: 0o4755 },
        { path: "usr/bin/wall", content: "elf", mode: 0o2755 },
        { path: "usr/bin/ls", content: "elf", mode: 0o755 },
        { path: "tmp", type: "dir", mode: 0o1777 },
        { path: "srv/upload", type: "dir", mode: 0o777 },
        { path: "var/cache/apt/archives/curl_8.5.0-2_amd64.deb", content: "d".repeat(300) },
        { path: "var/cache/apt/archives/lock", content: "" },
        {
          path: "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease",
          content: "r".repeat(100),
        },
        { path: "var/lib/apt/lists/lock", content: "" },
        { path: "root/.cache/pip/http/a/b/c", content: "p".repeat(10) },
      ],
      [],
    );
    expect(result.fileFacts.setuidFiles).toEqual([
      { path: "usr/bin/passwd", mode: 0o4755 },
      { path: "usr/bin/wall", mode: 0o2755 },
    ]);
    expect(result.fileFacts.worldWritableDirs).toEqual([{ path: "srv/upload", mode: 0o777 }]);
    expect(result.fileFacts.packageCacheFiles.map((f) => [f.manager, f.dir, f.size])).toEqual([
      ["apt", "var/cache/apt/archives", 300],
      ["apt", "var/lib/apt/lists", 100],
      ["pip", "root/.cache/pip", 10],
    ]);
  });
});
