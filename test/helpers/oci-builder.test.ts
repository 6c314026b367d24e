import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { decompress } from "fzstd";
import { extract } from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MediaType } from "../../lib/image/media-types.js";
import {
  buildLayer,
  fileEntriesFromDir,
  type LayerEntry,
  REF_NAME,
  writeMultiPlatformLayout,
  writeOciLayout,
} from "./oci-builder.js";

const run = promisify(execFile);
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "oci-builder-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

interface Extracted {
  name: string;
  type: string;
  linkname?: string | null;
  content: string;
}

async function untar(tar: Buffer): Promise<Extracted[]> {
  const out: Extracted[] = [];
  const ex = extract();
  const done = (async () => {
    for await (const entry of ex) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      out.push({
        name: entry.header.name,
        type: entry.header.type,
        linkname: entry.header.linkname,
        content: Buffer.concat(chunks).toString(),
      });
    }
  })();
  Readable.from([tar]).pipe(ex);
  await done;
  return out;
}

async function skopeoInspect(ref: string, ...flags: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run("skopeo", ["inspect", ...flags, ref]);
  return JSON.parse(stdout) as Record<string, unknown>;
}

const hostile: LayerEntry[] = [
  { path: "etc", type: "dir" },
  { path: "etc/os-release", content: "ID=alpine\n", mode: 0o600, uid: 1000, gid: 1000 },
  { path: "n".repeat(150), content: "long" },
  { path: "bin/sh", type: "symlink", linkname: "/bin/busybox" },
  { path: "bin/ash", type: "link", linkname: "bin/sh" },
  { path: "etc/.wh..wh..opq" },
  { path: "etc/.wh.shadow" },
  { path: "../evil", content: "e" },
  { path: "/abs", content: "a" },
];

describe("buildLayer", () => {
  it.each(["gzip", "zstd", "none"] as const)(
    "builds a real %s layer with correct digests",
    async (compression) => {
      const layer = await buildLayer(hostile, compression);
      expect(layer.digest).toBe(sha(layer.blob));
      expect(layer.size).toBe(layer.blob.length);
      const tar =
        compression === "gzip"
          ? gunzipSync(layer.blob)
          : compression === "zstd"
            ? Buffer.from(decompress(layer.blob))
            : layer.blob;
      expect(layer.diffID).toBe(sha(tar));
      expect(tar.equals(layer.tar)).toBe(true);
      expect(layer.mediaType).toBe(
        { gzip: MediaType.ociLayerGzip, zstd: MediaType.ociLayerZstd, none: MediaType.ociLayer }[compression],
      );
      const entries = await untar(tar);
      expect(entries.map((e) => e.name)).toEqual([
        "etc/",
        "etc/os-release",
        "n".repeat(150),
        "bin/sh",
        "bin/ash",
        "etc/.wh..wh..opq",
        "etc/.wh.shadow",
        "../evil",
        "/abs",
      ]);
      expect(entries[1]).toMatchObject({ type: "file", content: "ID=alpine\n" });
      expect(entries[3]).toMatchObject({ type: "symlink", linkname: "/bin/busybox" });
      expect(entries[4]).toMatchObject({ type: "link", linkname: "bin/sh" });
    },
  );

  it("is reproducible", async () => {
    const a = await buildLayer(hostile, "gzip");
    const b = await buildLayer(hostile, "gzip");
    expect(a.digest).toBe(b.digest);
  });
});

describe("writeOciLayout", () => {
  it("writes a layout that skopeo and umoci accept", async () => {
    const dir = path.join(tmp, "layout");
    const l1 = await buildLayer([{ path: "etc/os-release", content: "ID=alpine\n" }], "gzip");
    const l2 = await buildLayer([{ path: "usr/bin/app", content: "bin" }], "zstd");
    const written = await writeOciLayout(dir, {
      layers: [l1, l2],
      tag: "v1",
      config: { config: { User: "app", Labels: { a: "b" } } },
    });
    expect(JSON.parse(await readFile(path.join(dir, "oci-layout"), "utf8"))).toEqual({
      imageLayoutVersion: "1.0.0",
    });
    const index = JSON.parse(await readFile(written.indexPath, "utf8"));
    expect(index.manifests).toEqual([
      {
        mediaType: MediaType.ociManifest,
        digest: written.manifestDigest,
        size: written.manifestSize,
        annotations: { [REF_NAME]: "v1" },
      },
    ]);

    const info = await skopeoInspect(`oci:${dir}:v1`);
    expect(info.Digest).toBe(written.manifestDigest);
    expect(info.Layers).toEqual([l1.digest, l2.digest]);
    expect(info.Architecture).toBe("amd64");
    expect(info.Os).toBe("linux");
    expect(info.Labels).toEqual({ a: "b" });
    const config = await skopeoInspect(`oci:${dir}:v1`, "--config");
    expect((config.rootfs as { diff_ids: string[] }).diff_ids).toEqual([l1.diffID, l2.diffID]);

    // umoci (no zstd support in 0.4) reads a gzip-only image and unpacks the layer for real.
    await writeOciLayout(dir, { layers: [l1], tag: "gz" });
    const { stdout } = await run("umoci", ["stat", "--image", `${dir}:gz`]);
    expect(stdout).toContain(l1.digest);
    const bundle = path.join(tmp, "bundle");
    await run("umoci", ["unpack", "--rootless", "--image", `${dir}:gz`, bundle]);
    expect(await readFile(path.join(bundle, "rootfs/etc/os-release"), "utf8")).toBe("ID=alpine\n");
  });

  it("adds images to an existing layout and replaces a re-used tag", async () => {
    const dir = path.join(tmp, "multi-tag");
    const l1 = await buildLayer([{ path: "a", content: "1" }], "gzip");
    const l2 = await buildLayer([{ path: "a", content: "2" }], "gzip");
    await writeOciLayout(dir, { layers: [l1], tag: "one" });
    await writeOciLayout(dir, { layers: [l2], tag: "example.com/app:two" });
    const third = await writeOciLayout(dir, { layers: [l2, l1], tag: "one" });
    const index = JSON.parse(await readFile(path.join(dir, "index.json"), "utf8"));
    expect(
      index.manifests.map((d: { annotations: Record<string, string> }) => d.annotations[REF_NAME]),
    ).toEqual(["example.com/app:two", "one"]);
    expect((await skopeoInspect(`oci:${dir}:one`)).Digest).toBe(third.manifestDigest);
    expect((await skopeoInspect(`oci:${dir}:example.com/app:two`)).Layers).toEqual([l2.digest]);
  });

  it("writes Docker schema-2 manifests on request", async () => {
    const dir = path.join(tmp, "docker-type");
    const layers = [
      await buildLayer([{ path: "a", content: "1" }], "gzip"),
      await buildLayer([{ path: "b", content: "2" }], "none"),
    ];
    const written = await writeOciLayout(dir, { layers, tag: "d", manifestMediaType: "docker" });
    const manifest = JSON.parse(
      await readFile(path.join(dir, "blobs/sha256", written.manifestDigest.slice(7)), "utf8"),
    );
    expect(manifest.mediaType).toBe(MediaType.dockerManifest);
    expect(manifest.config.mediaType).toBe(MediaType.dockerConfig);
    expect(manifest.layers.map((l: { mediaType: string }) => l.mediaType)).toEqual([
      MediaType.dockerLayer,
      "application/vnd.docker.image.rootfs.diff.tar",
    ]);
  });
});

describe("writeMultiPlatformLayout", () => {
  it("writes a nested index that skopeo resolves per platform", async () => {
    const dir = path.join(tmp, "multi");
    const amd = await buildLayer([{ path: "arch", content: "amd64" }], "gzip");
    const arm = await buildLayer([{ path: "arch", content: "arm64" }], "gzip");
    const written = await writeMultiPlatformLayout(
      dir,
      [
        { platform: { os: "linux", architecture: "amd64" }, layers: [amd] },
        { platform: { os: "linux", architecture: "arm64", variant: "v8" }, layers: [arm] },
      ],
      "latest",
      { attestations: true },
    );
    const raw = await skopeoInspect(`oci:${dir}:latest`, "--raw");
    expect(raw.mediaType).toBe(MediaType.ociIndex);
    const manifests = raw.manifests as Array<{ platform: { architecture: string } }>;
    expect(manifests.map((m) => m.platform.architecture)).toEqual(["amd64", "arm64", "unknown", "unknown"]);
    expect((await skopeoInspect(`oci:${dir}:latest`)).Layers).toEqual([amd.digest]);
    const armInfo = await skopeoInspect(
      `oci:${dir}:latest`,
      "--override-arch",
      "arm64",
      "--override-variant",
      "v8",
    );
    expect(armInfo.Layers).toEqual([arm.digest]);
    expect(armInfo.Digest).toBe(written.indexDigest);
    expect(written.images.map((i) => i.platform.architecture)).toEqual(["amd64", "arm64"]);
  });
});

describe("fileEntriesFromDir", () => {
  it("reads a real directory tree, sorted, with symlinks and modes", async () => {
    const root = path.join(tmp, "tree");
    await mkdir(path.join(root, "etc/apk"), { recursive: true });
    await writeFile(path.join(root, "etc/apk/world"), "busybox\n");
    await writeFile(path.join(root, "etc/os-release"), "ID=alpine\n", { mode: 0o600 });
    await symlink("/bin/busybox", path.join(root, "sh"));
    const entries = await fileEntriesFromDir(root, "rootfs/");
    expect(entries.map((e) => [e.path, e.type])).toEqual([
      ["rootfs/etc", "dir"],
      ["rootfs/etc/apk", "dir"],
      ["rootfs/etc/apk/world", "file"],
      ["rootfs/etc/os-release", "file"],
      ["rootfs/sh", "symlink"],
    ]);
    expect(entries[3]?.mode).toBe(0o600);
    expect(entries[4]?.linkname).toBe("/bin/busybox");
    expect(String(entries[2]?.content)).toBe("busybox\n");
    const layer = await buildLayer(entries, "none");
    expect((await untar(layer.tar)).find((e) => e.name === "rootfs/etc/apk/world")?.content).toBe(
      "busybox\n",
    );
  });
});
