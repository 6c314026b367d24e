import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LimitExceededError, SourceError } from "../../lib/errors.js";
import { openDockerArchive } from "../../lib/image/docker-archive-source.js";
import { MediaType } from "../../lib/image/media-types.js";
import { resolveImage } from "../../lib/image/resolve.js";
import type { ImageSource, ResolvedImage } from "../../lib/image/types.js";
import {
  type BuiltLayer,
  buildConfig,
  buildLayer,
  buildTar,
  type LayerEntry,
  writeOciLayout,
} from "../helpers/oci-builder.js";
import { readAll } from "../helpers/streams.js";

const run = promisify(execFile);
const sha = (b: Buffer | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const hex = (digest: string) => digest.slice("sha256:".length);

let tmp: string;
let base: BuiltLayer;
let app: BuiltLayer;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "docker-archive-"));
  base = await buildLayer(
    [
      { path: "etc", type: "dir" },
      { path: "etc/os-release", content: "ID=alpine\n" },
    ],
    "gzip",
  );
  app = await buildLayer([{ path: "app/main.js", content: "console.log(1)\n" }], "gzip");
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function writeArchive(name: string, entries: LayerEntry[]): Promise<string> {
  const file = path.join(tmp, name);
  await writeFile(file, await buildTar(entries));
  return file;
}

/** Reads every layer through the source and checks digest, and diffID for uncompressed ones. */
async function verifyBlobs(source: ImageSource, image: ResolvedImage): Promise<void> {
  for (const [i, layer] of image.manifest.layers.entries()) {
    const bytes = await readAll(await source.openBlob(layer));
    expect(sha(bytes)).toBe(layer.digest);
    expect(bytes.length).toBe(layer.size);
    if (layer.mediaType === "application/vnd.docker.image.rootfs.diff.tar") {
      expect(layer.digest).toBe(image.config.rootfs.diff_ids[i]);
    }
  }
}

interface LegacyImage {
  tags: string[] | null;
  layers: BuiltLayer[];
}

/** A pre-Docker-25 `docker save`: <id>/layer.tar, <config>.json, manifest.json, repositories. */
function legacySave(images: LegacyImage[]): LayerEntry[] {
  const entries: LayerEntry[] = [];
  const written = new Map<string, string>(); // diffID → first <id>/layer.tar
  const manifest: unknown[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const [n, image] of images.entries()) {
    const config = Buffer.from(JSON.stringify(buildConfig({ layers: image.layers })));
    const configName = `${hex(sha(config))}.json`;
    entries.push({ path: configName, content: config });
    const layerPaths: string[] = [];
    let parent = "";
    for (const layer of image.layers) {
      const id = hex(sha(`${parent}${layer.diffID}${n}`));
      parent = id;
      entries.push({ path: id, type: "dir" });
      entries.push({ path: `${id}/VERSION`, content: "1.0" });
      entries.push({ path: `${id}/json`, content: JSON.stringify({ id }) });
      const first = written.get(layer.diffID);
      // Docker writes a repeated layer once and symlinks the others to it.
      if (first) entries.push({ path: `${id}/layer.tar`, type: "symlink", linkname: `../${first}` });
      else {
        entries.push({ path: `${id}/layer.tar`, content: layer.tar });
        written.set(layer.diffID, `${id}/layer.tar`);
      }
      layerPaths.push(`${id}/layer.tar`);
    }
    manifest.push({ Config: configName, RepoTags: image.tags, Layers: layerPaths });
    for (const tag of image.tags ?? []) {
      const [repo = "", t = "latest"] = tag.split(":");
      repositories[repo] = { ...repositories[repo], [t]: parent };
    }
  }
  entries.push({ path: "manifest.json", content: JSON.stringify(manifest) });
  entries.push({ path: "repositories", content: JSON.stringify(repositories) });
  return entries;
}

describe("openDockerArchive", () => {
  it("reads skopeo's docker-archive output", async () => {
    const layout = path.join(tmp, "skopeo-src");
    const written = await writeOciLayout(layout, { layers: [base, app], tag: "v1" });
    const file = path.join(tmp, "skopeo.tar");
    await run("skopeo", [
      "--insecure-policy",
      "copy",
      "-q",
      `oci:${layout}:v1`,
      `docker-archive:${file}:myimg:1.0`,
    ]);
    const manifestJson = JSON.parse((await run("tar", ["-xOf", file, "manifest.json"])).stdout);
    expect(manifestJson[0].RepoTags).toEqual(["docker.io/library/myimg:1.0"]);

    for (const selector of [undefined, "myimg:1.0", "docker.io/library/myimg:1.0", "@0"]) {
      const source = await openDockerArchive(file, selector);
      expect(source.kind).toBe("docker-archive");
      const image = await resolveImage(source);
      expect(image.manifest.mediaType).toBe(MediaType.dockerManifest);
      expect(image.configDigest).toBe(written.configDigest);
      expect(image.config.rootfs.diff_ids).toEqual([base.diffID, app.diffID]);
      // skopeo stores layers uncompressed, so their digests are the diffIDs.
      expect(image.manifest.layers.map((l) => l.digest)).toEqual([base.diffID, app.diffID]);
      await verifyBlobs(source, image);
    }
    const err = await openDockerArchive(file, "other:1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as Error).message).toContain("@0 docker.io/library/myimg:1.0");
  });

  it("reads a legacy docker save with several images and deduplicated layers", async () => {
    const baseTar = await buildLayer([{ path: "etc/os-release", content: "ID=alpine\n" }], "none");
    const appTar = await buildLayer([{ path: "app/x", content: "x" }], "none");
    const file = await writeArchive(
      "legacy.tar",
      legacySave([
        { tags: ["alpine:3.19"], layers: [baseTar] },
        { tags: ["app:1.0", "app:latest"], layers: [baseTar, appTar] },
        { tags: null, layers: [appTar] },
      ]),
    );

    const err = await openDockerArchive(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as Error).message).toMatch(/holds 3 images/);
    expect((err as Error).message).toContain("@0 alpine:3.19, @1 app:1.0 app:latest, @2 (untagged)");

    const source = await openDockerArchive(file, "app:1.0");
    const image = await resolveImage(source);
    expect(image.manifest.layers.map((l) => l.digest)).toEqual([baseTar.diffID, appTar.diffID]);
    expect(
      image.manifest.layers.every((l) => l.mediaType === "application/vnd.docker.image.rootfs.diff.tar"),
    ).toBe(true);
    await verifyBlobs(source, image); // Layer 0 is a symlink inside the archive.

    expect((await resolveImage(await openDockerArchive(file, "app"))).manifestDigest).toBe(
      image.manifestDigest,
    );
    expect(
      (await resolveImage(await openDockerArchive(file, "docker.io/library/alpine:3.19"))).manifest.layers,
    ).toHaveLength(1);
    const untagged = await openDockerArchive(file, "@2");
    await verifyBlobs(untagged, await resolveImage(untagged));
  });

  it("reads a Docker 25+ archive (OCI blobs inside), keeping compressed layers as they are", async () => {
    const plain = await buildLayer([{ path: "a", content: "plain" }], "none");
    const config = Buffer.from(JSON.stringify(buildConfig({ layers: [plain, app] })));
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest }));
    const blob = (d: string) => `blobs/sha256/${hex(d)}`;
    const file = await writeArchive("docker25.tar", [
      { path: "blobs", type: "dir" },
      { path: "blobs/sha256", type: "dir" },
      { path: blob(sha(config)), content: config },
      { path: blob(plain.digest), content: plain.blob },
      { path: blob(app.digest), content: app.blob },
      { path: blob(sha(manifest)), content: manifest },
      { path: "index.json", content: "{}" },
      { path: "oci-layout", content: '{"imageLayoutVersion":"1.0.0"}' },
      {
        path: "manifest.json",
        content: JSON.stringify([
          {
            Config: blob(sha(config)),
            RepoTags: ["app:2"],
            Layers: [blob(plain.digest), blob(app.digest)],
            LayerSources: {
              [app.diffID]: { mediaType: MediaType.dockerLayer, size: app.size, digest: app.digest },
            },
          },
        ]),
      },
    ]);
    const source = await openDockerArchive(file);
    const image = await resolveImage(source);
    expect(image.manifest.layers).toEqual([
      { mediaType: "application/vnd.docker.image.rootfs.diff.tar", digest: plain.digest, size: plain.size },
      { mediaType: MediaType.dockerLayer, digest: app.digest, size: app.size },
    ]);
    await verifyBlobs(source, image);
    const original = await source.fetchManifest(sha(manifest));
    expect(original.bytes.equals(manifest)).toBe(true);
    await expect(source.fetchManifest(`sha256:${"9".repeat(64)}`)).rejects.toThrow(SourceError);
  });

  it("hashes a compressed legacy layer once (go-containerregistry tarball layout)", async () => {
    const zstdLayer = await buildLayer([{ path: "z", content: "zstd" }], "zstd");
    const config = Buffer.from(JSON.stringify(buildConfig({ layers: [base, zstdLayer] })));
    const file = await writeArchive("ggcr.tar", [
      { path: "sha256:cfg", content: config },
      { path: "layer-a.tar.gz", content: base.blob },
      { path: "layer-b.tar.zst", content: zstdLayer.blob },
      {
        path: "manifest.json",
        content: JSON.stringify([
          { Config: "sha256:cfg", RepoTags: [], Layers: ["layer-a.tar.gz", "layer-b.tar.zst"] },
        ]),
      },
    ]);
    const source = await openDockerArchive(file);
    const image = await resolveImage(source);
    expect(image.manifest.layers.map((l) => [l.mediaType, l.digest])).toEqual([
      [MediaType.dockerLayer, base.digest],
      [MediaType.ociLayerZstd, zstdLayer.digest],
    ]);
    await verifyBlobs(source, image);
  });

  it("looks layers up only inside the archive: traversal paths and escaping symlinks fail", async () => {
    const layer = await buildLayer([{ path: "a", content: "a" }], "none");
    const config = Buffer.from(JSON.stringify(buildConfig({ layers: [layer] })));
    const archive = async (name: string, layers: string[], extra: LayerEntry[] = []) =>
      writeArchive(name, [
        { path: "c.json", content: config },
        ...extra,
        {
          path: "manifest.json",
          content: JSON.stringify([{ Config: "c.json", RepoTags: ["x:1"], Layers: layers }]),
        },
      ]);

    for (const evil of ["../../etc/passwd", "/etc/passwd", "../../../../../../../../etc/passwd"]) {
      const err = await openDockerArchive(await archive("evil.tar", [evil])).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SourceError);
      expect((err as Error).message).toContain("is not in the archive");
    }
    const viaLink = await archive(
      "evil-link.tar",
      ["l/layer.tar"],
      [{ path: "l/layer.tar", type: "symlink", linkname: "../../../../../etc/passwd" }],
    );
    await expect(openDockerArchive(viaLink)).rejects.toThrow(/is not in the archive/);
    const absLink = await archive(
      "evil-abs.tar",
      ["l/layer.tar"],
      [{ path: "l/layer.tar", type: "symlink", linkname: "/etc/passwd" }],
    );
    await expect(openDockerArchive(absLink)).rejects.toThrow(/is not in the archive/);
    const loop = await archive(
      "loop.tar",
      ["a"],
      [
        { path: "a", type: "symlink", linkname: "b" },
        { path: "b", type: "symlink", linkname: "a" },
      ],
    );
    await expect(openDockerArchive(loop)).rejects.toThrow(/is not in the archive/);

    // A member literally named "../../etc/passwd" is archive data, read from the archive.
    const inside = await archive(
      "inside.tar",
      ["../../etc/passwd"],
      [{ path: "../../etc/passwd", content: layer.tar }],
    );
    const source = await openDockerArchive(inside);
    const image = await resolveImage(source);
    expect(
      (await readAll(await source.openBlob(image.manifest.layers[0] ?? image.manifest.config))).equals(
        layer.tar,
      ),
    ).toBe(true);
  });

  it("rejects a compressed archive with a clear message", async () => {
    const tar = await buildTar(legacySave([{ tags: ["a:1"], layers: [await buildLayer([], "none")] }]));
    const file = path.join(tmp, "saved.tar.gz");
    await writeFile(file, gzipSync(tar));
    const err = await openDockerArchive(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as Error).message).toMatch(/gzip-compressed; decompress it first/);
  });

  it("reports missing files, non-archives and missing or broken manifest.json", async () => {
    await expect(openDockerArchive(path.join(tmp, "missing.tar"))).rejects.toThrow(/file not found/);
    await expect(openDockerArchive(tmp)).rejects.toThrow(SourceError);
    const notTar = path.join(tmp, "not.tar");
    await writeFile(notTar, "hello world ".repeat(100));
    await expect(openDockerArchive(notTar)).rejects.toThrow(/not a tar file/);

    await expect(
      openDockerArchive(await writeArchive("no-manifest.tar", [{ path: "x", content: "x" }])),
    ).rejects.toThrow(/no manifest.json in the archive$/);
    await expect(
      openDockerArchive(await writeArchive("oci-archive.tar", [{ path: "index.json", content: "{}" }])),
    ).rejects.toThrow(/an OCI archive\? extract it and use oci:<dir>/);
    await expect(
      openDockerArchive(await writeArchive("garbage.tar", [{ path: "manifest.json", content: "[{" }])),
    ).rejects.toThrow(/manifest.json is not valid JSON/);
    await expect(
      openDockerArchive(
        await writeArchive("shape.tar", [{ path: "manifest.json", content: '[{"Config":1}]' }]),
      ),
    ).rejects.toThrow(/invalid manifest.json/);
    await expect(
      openDockerArchive(await writeArchive("none.tar", [{ path: "manifest.json", content: "[]" }])),
    ).rejects.toThrow(/lists no images/);
    const missingConfig = await writeArchive("no-config.tar", [
      { path: "manifest.json", content: JSON.stringify([{ Config: "gone.json", RepoTags: [], Layers: [] }]) },
    ]);
    await expect(openDockerArchive(missingConfig)).rejects.toThrow(
      /config "gone.json" listed in manifest.json/,
    );
  });

  it("rejects a config whose diff_ids do not match the layers", async () => {
    const layer = await buildLayer([{ path: "a", content: "a" }], "none");
    const config = Buffer.from(JSON.stringify(buildConfig({ layers: [layer, layer] })));
    const file = await writeArchive("diffids.tar", [
      { path: "c.json", content: config },
      { path: "l.tar", content: layer.tar },
      {
        path: "manifest.json",
        content: JSON.stringify([{ Config: "c.json", RepoTags: [], Layers: ["l.tar"] }]),
      },
    ]);
    await expect(openDockerArchive(file)).rejects.toThrow(/lists 1 layers but the config has 2 diff_ids/);
  });

  it("caps the config size and refuses unknown blobs", async () => {
    const layer = await buildLayer([{ path: "a", content: "a" }], "none");
    const huge = Buffer.alloc(8 * 1024 * 1024 + 1, 0x20);
    const bigFile = await writeArchive("big-config.tar", [
      { path: "c.json", content: huge },
      { path: "manifest.json", content: JSON.stringify([{ Config: "c.json", RepoTags: [], Layers: [] }]) },
    ]);
    await expect(openDockerArchive(bigFile)).rejects.toThrow(LimitExceededError);

    const file = await writeArchive("ok.tar", legacySave([{ tags: ["a:1"], layers: [layer] }]));
    const source = await openDockerArchive(file);
    await expect(
      source.openBlob({ mediaType: "x", digest: `sha256:${"0".repeat(64)}`, size: 0 }),
    ).rejects.toThrow(/no blob/);
    expect((await readFile(file)).length).toBeGreaterThan(0);
  });
});
