import { describe, expect, it } from "vitest";
import { applyLayers, type LayerInput } from "../../lib/inventory/apply-layers.js";
import { LAYER_RESULT_SCHEMA, type LayerResult, type PathRecord } from "../../lib/layers/layer-result.js";

function pkgFile(path: string, ...pkgs: string[]): PathRecord {
  const ecosystem = pkgs.at(-1) === "deb" ? (pkgs.pop() as string) : "test";
  return {
    path,
    type: "file",
    results: [
      {
        analyzer: "test",
        result: {
          packages: pkgs.map((p) => {
            const [name = "", version = ""] = p.split("@");
            return { ecosystem, name, version };
          }),
        },
      },
    ],
  };
}

function layer(index: number, paths: PathRecord[], extra: Partial<LayerResult> = {}): LayerInput {
  const diffID = `sha256:${String(index).repeat(64).slice(0, 64)}`;
  return {
    ref: { index, diffID, digest: diffID },
    result: {
      schema: LAYER_RESULT_SCHEMA,
      diffID,
      paths,
      whiteouts: [],
      opaqueDirs: [],
      warnings: [],
      fileFacts: { setuidFiles: [], worldWritableDirs: [], packageCacheFiles: [] },
      pathIndex: "",
      complete: true,
      stats: { compression: "gzip", compressedBytes: 0, uncompressedBytes: 0, entries: 0, bufferedFiles: 0 },
      ...extra,
    },
  };
}

const summary = (layers: LayerInput[]) =>
  applyLayers(layers).packages.map((p) => `${p.name}@${p.version}:L${p.layer.index}:${p.foundIn}`);

describe("applyLayers", () => {
  it("keeps the layer that first installed a package when later layers rewrite the database", () => {
    expect(
      summary([
        layer(0, [pkgFile("var/db", "base@1", "libc@2")]),
        layer(1, [pkgFile("var/db", "base@1", "libc@2", "curl@7")]),
        layer(2, [pkgFile("var/db", "base@1", "libc@3", "curl@7")]),
      ]),
    ).toEqual(["base@1:L0:var/db", "curl@7:L1:var/db", "libc@3:L2:var/db"]);
  });

  it("removes packages whose database a later layer whites out", () => {
    expect(
      summary([
        layer(0, [pkgFile("var/db", "base@1"), pkgFile("opt/app/db", "app@1")]),
        layer(1, [], { whiteouts: ["var/db"] }),
      ]),
    ).toEqual(["app@1:L0:opt/app/db"]);
  });

  it("a whiteout of a directory removes everything below it, but not siblings with the same prefix", () => {
    expect(
      summary([
        layer(0, [pkgFile("opt/app/db", "app@1"), pkgFile("opt/application/db", "other@1")]),
        layer(1, [], { whiteouts: ["opt/app"] }),
      ]),
    ).toEqual(["other@1:L0:opt/application/db"]);
  });

  it("an opaque directory hides lower layers only, not files of its own layer", () => {
    expect(
      summary([
        layer(0, [pkgFile("opt/pkgs/a", "a@1"), pkgFile("etc/keep", "keep@1")]),
        layer(1, [pkgFile("opt/pkgs/b", "b@1")], { opaqueDirs: ["opt/pkgs"] }),
      ]),
    ).toEqual(["b@1:L1:opt/pkgs/b", "keep@1:L0:etc/keep"]);
  });

  it("an opaque root hides everything below", () => {
    expect(
      summary([
        layer(0, [pkgFile("etc/a", "a@1")]),
        layer(1, [pkgFile("etc/b", "b@1")], { opaqueDirs: [""] }),
      ]),
    ).toEqual(["b@1:L1:etc/b"]);
  });

  it("a package removed and reinstalled later is attributed to the reinstalling layer", () => {
    expect(
      summary([
        layer(0, [pkgFile("var/db", "tool@1")]),
        layer(1, [pkgFile("var/db")]),
        layer(2, [pkgFile("var/db", "tool@1")]),
      ]),
    ).toEqual(["tool@1:L2:var/db"]);
  });

  it("a file replaced by a symlink or an unanalysable file drops its packages", () => {
    expect(
      summary([
        layer(0, [pkgFile("etc/a", "a@1"), pkgFile("etc/b", "b@1")]),
        layer(1, [
          { path: "etc/a", type: "symlink", target: "x" },
          { path: "etc/b", type: "opaque-file" },
        ]),
      ]),
    ).toEqual([]);
  });

  it("an OS package that moves between database files keeps its first layer", () => {
    expect(
      summary([
        layer(0, [pkgFile("var/lib/dpkg/status.d/a", "a@1", "deb")]),
        layer(1, [pkgFile("var/lib/dpkg/status", "a@1", "deb")], { whiteouts: ["var/lib/dpkg/status.d"] }),
      ]),
    ).toEqual(["a@1:L0:var/lib/dpkg/status"]);
  });

  it("a language package in two files carries each file's own layer", () => {
    expect(
      summary([
        layer(0, [pkgFile("usr/bin/a", "stdlib@1.21.5")]),
        layer(1, [pkgFile("usr/bin/b", "stdlib@1.21.5")]),
      ]),
    ).toEqual(["stdlib@1.21.5:L0:usr/bin/a", "stdlib@1.21.5:L1:usr/bin/b"]);
  });

  it("collects OS candidates from the final view only", () => {
    const os = (path: string, family: string): PathRecord => ({
      path,
      type: "file",
      results: [{ analyzer: "os-release", result: { os: { family } } }],
    });
    const applied = applyLayers([
      layer(0, [os("etc/os-release", "debian")]),
      layer(1, [os("etc/os-release", "ubuntu")]),
    ]);
    expect(applied.osCandidates).toEqual([{ path: "etc/os-release", os: { family: "ubuntu" } }]);
  });
});
