import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DigestMismatchError,
  InvalidReferenceError,
  LimitExceededError,
  ManifestError,
  PlatformNotFoundError,
  UnsupportedMediaTypeError,
} from "../../lib/errors.js";
import { MediaType } from "../../lib/image/media-types.js";
import { openOciLayout } from "../../lib/image/oci-layout-source.js";
import { formatPlatform, parsePlatform } from "../../lib/image/platform.js";
import { resolveImage } from "../../lib/image/resolve.js";
import type { Descriptor, FetchedManifest, ImageSource, Platform } from "../../lib/image/types.js";
import {
  addToIndex,
  type BuiltLayer,
  buildLayer,
  REF_NAME,
  sha256,
  writeBlob,
  writeMultiPlatformLayout,
  writeOciLayout,
} from "../helpers/oci-builder.js";

let tmp: string;
let layer: BuiltLayer;
let dirCount = 0;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "resolve-"));
  layer = await buildLayer([{ path: "etc/os-release", content: "ID=alpine\n" }], "gzip");
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const newDir = () => path.join(tmp, `l${dirCount++}`);

/** An in-memory source, to exercise transport media types and odd documents. */
function memorySource(blobs: Record<string, Buffer>, top: Buffer, topMediaType?: string): ImageSource {
  return {
    name: "mem",
    kind: "registry",
    async fetchManifest(digest?: string): Promise<FetchedManifest> {
      if (digest === undefined)
        return { bytes: top, digest: sha256(top), ...(topMediaType ? { mediaType: topMediaType } : {}) };
      const bytes = blobs[digest];
      if (!bytes) throw new Error(`no ${digest}`);
      return { bytes, digest: sha256(bytes) };
    },
    async openBlob(d: Descriptor) {
      const bytes = blobs[d.digest];
      if (!bytes) throw new Error(`no ${d.digest}`);
      return Readable.from([bytes]);
    },
  };
}

function configBlob(diffIDs: string[], extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      rootfs: { type: "layers", diff_ids: diffIDs },
      ...extra,
    }),
  );
}

function manifestDoc(config: Buffer, layers: Descriptor[], mediaType?: string): Record<string, unknown> {
  return {
    schemaVersion: 2,
    ...(mediaType ? { mediaType } : {}),
    config: { mediaType: MediaType.ociConfig, digest: sha256(config), size: config.length },
    layers,
  };
}

const layerDescriptor = (l: BuiltLayer, mediaType = l.mediaType): Descriptor => ({
  mediaType,
  digest: l.digest,
  size: l.size,
});

/** Writes a raw top-level document into a layout and opens it. */
async function layoutWithRaw(
  doc: unknown,
  descriptorMediaType: string,
  blobs: Buffer[] = [],
): Promise<ImageSource> {
  const dir = newDir();
  for (const b of blobs) await writeBlob(dir, b);
  const bytes = Buffer.from(typeof doc === "string" ? doc : JSON.stringify(doc));
  const digest = await writeBlob(dir, bytes);
  await addToIndex(dir, {
    mediaType: descriptorMediaType,
    digest,
    size: bytes.length,
    annotations: { [REF_NAME]: "t" },
  });
  return openOciLayout(dir, "t");
}

const platforms = {
  amd64: { os: "linux", architecture: "amd64" },
  arm64v8: { os: "linux", architecture: "arm64", variant: "v8" },
  arm64: { os: "linux", architecture: "arm64" },
  armv6: { os: "linux", architecture: "arm", variant: "v6" },
  armv7: { os: "linux", architecture: "arm", variant: "v7" },
  s390x: { os: "linux", architecture: "s390x" },
} satisfies Record<string, Platform>;

/** One layer per platform whose content names the platform, so the chosen image is visible. */
async function multiLayout(
  list: Platform[],
  options: { attestations?: boolean; indexMediaType?: "oci" | "docker" } = {},
) {
  const dir = newDir();
  const images = [];
  for (const platform of list) {
    images.push({
      platform,
      layers: [await buildLayer([{ path: "p", content: formatPlatform(platform) }], "gzip")],
    });
  }
  const written = await writeMultiPlatformLayout(dir, images, "multi", options);
  return { dir, written, images };
}

describe("resolveImage: single manifests", () => {
  it("resolves an OCI layout image", async () => {
    const dir = newDir();
    const written = await writeOciLayout(dir, { layers: [layer], tag: "v1", platform: platforms.arm64v8 });
    const image = await resolveImage(await openOciLayout(dir, "v1"));
    expect(image.manifestDigest).toBe(written.manifestDigest);
    expect(image.indexDigest).toBeUndefined();
    expect(image.configDigest).toBe(written.configDigest);
    expect(image.manifest.layers).toEqual([layerDescriptor(layer)]);
    expect(image.platform).toEqual(platforms.arm64v8);
    expect(image.config.config?.Cmd).toEqual(["/bin/sh"]);
  });

  it("resolves Docker schema-2 manifests", async () => {
    const dir = newDir();
    await writeOciLayout(dir, { layers: [layer], tag: "d", manifestMediaType: "docker" });
    const image = await resolveImage(await openOciLayout(dir, "d"));
    expect(image.manifest.mediaType).toBe(MediaType.dockerManifest);
    expect(image.manifest.layers[0]?.mediaType).toBe(MediaType.dockerLayer);
  });

  it("rejects a single-platform image for another platform only when a platform was asked for", async () => {
    const dir = newDir();
    await writeOciLayout(dir, { layers: [layer], tag: "v1", platform: platforms.arm64v8 });
    const source = await openOciLayout(dir, "v1");
    await expect(resolveImage(source, { platform: platforms.amd64 })).rejects.toThrow(
      /single-platform image for linux\/arm64\/v8, not linux\/amd64/,
    );
    expect(
      (await resolveImage(source, { platform: parsePlatform("linux/arm64") })).platform.architecture,
    ).toBe("arm64");
  });

  it("decides the type from the JSON's mediaType, then the transport's, then the shape", async () => {
    const config = configBlob([layer.diffID]);
    const blobs = { [sha256(config)]: config };
    const bare = Buffer.from(JSON.stringify(manifestDoc(config, [layerDescriptor(layer)])));
    // No mediaType anywhere: the shape says manifest.
    expect((await resolveImage(memorySource(blobs, bare))).manifest.mediaType).toBe(MediaType.ociManifest);
    // The transport says Docker.
    expect((await resolveImage(memorySource(blobs, bare, MediaType.dockerManifest))).manifest.mediaType).toBe(
      MediaType.dockerManifest,
    );
    // A generic transport type does not stop shape detection.
    expect((await resolveImage(memorySource(blobs, bare, "application/json"))).manifest.mediaType).toBe(
      MediaType.ociManifest,
    );
    // The document's own type wins over a wrong transport type.
    const declared = Buffer.from(
      JSON.stringify(manifestDoc(config, [layerDescriptor(layer)], MediaType.ociManifest)),
    );
    expect((await resolveImage(memorySource(blobs, declared, MediaType.ociIndex))).manifest.mediaType).toBe(
      MediaType.ociManifest,
    );
    // A declared type we do not know is refused, even with a manifest-like shape.
    const artifact = Buffer.from(
      JSON.stringify(manifestDoc(config, [], "application/vnd.oci.artifact.manifest.v1+json")),
    );
    await expect(resolveImage(memorySource(blobs, artifact))).rejects.toThrow(UnsupportedMediaTypeError);
    await expect(resolveImage(memorySource(blobs, Buffer.from('{"hello":1}')))).rejects.toThrow(
      /neither an image manifest nor an image index/,
    );
    await expect(resolveImage(memorySource(blobs, Buffer.from("[1,2]")))).rejects.toThrow(
      /not a JSON object/,
    );
  });

  it("rejects Docker schema 1 with a clear message", async () => {
    const schema1 = {
      schemaVersion: 1,
      name: "library/busybox",
      tag: "latest",
      architecture: "amd64",
      fsLayers: [{ blobSum: `sha256:${"a".repeat(64)}` }],
      history: [{ v1Compatibility: "{}" }],
    };
    const signed = await layoutWithRaw(schema1, MediaType.dockerSchema1Signed);
    await expect(resolveImage(signed)).rejects.toThrow(UnsupportedMediaTypeError);
    await expect(resolveImage(signed)).rejects.toThrow(/schema 1 manifests are deprecated/);
    // Recognized by schemaVersion alone, too.
    await expect(resolveImage(memorySource({}, Buffer.from(JSON.stringify(schema1))))).rejects.toThrow(
      /schema 1/,
    );
  });

  it("rejects invalid JSON and invalid manifests with ManifestError", async () => {
    await expect(
      resolveImage(await layoutWithRaw('{"schemaVersion": 2, "config": ', MediaType.ociManifest)),
    ).rejects.toThrow(/is not valid JSON/);
    const config = configBlob([layer.diffID]);
    const badDigest = manifestDoc(
      config,
      [{ ...layerDescriptor(layer), digest: "sha256:xyz" }],
      MediaType.ociManifest,
    );
    await expect(
      resolveImage(await layoutWithRaw(badDigest, MediaType.ociManifest, [config])),
    ).rejects.toThrow(/invalid image manifest: layers\[0\]\.digest: invalid digest/);
    const negative = manifestDoc(config, [{ ...layerDescriptor(layer), size: -1 }], MediaType.ociManifest);
    await expect(
      resolveImage(await layoutWithRaw(negative, MediaType.ociManifest, [config])),
    ).rejects.toThrow(ManifestError);
    const v3 = { ...manifestDoc(config, [layerDescriptor(layer)], MediaType.ociManifest), schemaVersion: 3 };
    await expect(resolveImage(await layoutWithRaw(v3, MediaType.ociManifest, [config]))).rejects.toThrow(
      /schemaVersion/,
    );
  });

  it("checks layer and config media types, leniently for tar-ish layer types", async () => {
    const config = configBlob([layer.diffID]);
    const withLayerType = (t: string) =>
      layoutWithRaw(
        manifestDoc(config, [layerDescriptor(layer, t)], MediaType.ociManifest),
        MediaType.ociManifest,
        [config, layer.blob],
      );
    const err = await resolveImage(await withLayerType("application/vnd.in-toto+json")).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UnsupportedMediaTypeError);
    expect((err as Error).message).toContain(
      'layer 0 has unsupported media type "application/vnd.in-toto+json"',
    );
    for (const lenient of [
      "application/vnd.example.layer.v1.tar+gzip",
      "application/vnd.example.layer.v1.tar+zstd",
      "application/vnd.docker.image.rootfs.foreign.diff.tar",
    ]) {
      expect((await resolveImage(await withLayerType(lenient))).manifest.layers[0]?.mediaType).toBe(lenient);
    }
    const helmConfig = Buffer.from("{}");
    const helm = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: "application/vnd.cncf.helm.config.v1+json", digest: sha256(helmConfig), size: 2 },
      layers: [layerDescriptor(layer, "application/vnd.cncf.helm.chart.content.v1.tar+gzip")],
    };
    await expect(
      resolveImage(await layoutWithRaw(helm, MediaType.ociManifest, [helmConfig])),
    ).rejects.toThrow(/is not a container image config/);
  });

  it("verifies the config digest", async () => {
    const dir = newDir();
    const written = await writeOciLayout(dir, { layers: [layer], tag: "v1" });
    const configFile = path.join(dir, "blobs/sha256", written.configDigest.slice(7));
    const original = await readFile(configFile, "utf8");
    await writeFile(configFile, original.replace('"amd64"', '"arm64"'));
    const err = await resolveImage(await openOciLayout(dir, "v1")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect((err as Error).message).toContain(`config blob should be ${written.configDigest}`);
  });

  it("requires one diff_id per layer and a valid config", async () => {
    const dir = newDir();
    await writeOciLayout(dir, {
      layers: [layer, layer],
      tag: "v1",
      config: { rootfs: { type: "layers", diff_ids: [layer.diffID] } },
    });
    await expect(resolveImage(await openOciLayout(dir, "v1"))).rejects.toThrow(
      /config lists 1 diff_ids but the manifest has 2 layers/,
    );
    const noRootfs = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux" }));
    const doc = manifestDoc(noRootfs, [layerDescriptor(layer)], MediaType.ociManifest);
    await expect(resolveImage(await layoutWithRaw(doc, MediaType.ociManifest, [noRootfs]))).rejects.toThrow(
      /invalid image config: rootfs/,
    );
    const notJson = Buffer.from("not json");
    const doc2 = manifestDoc(notJson, [layerDescriptor(layer)], MediaType.ociManifest);
    await expect(resolveImage(await layoutWithRaw(doc2, MediaType.ociManifest, [notJson]))).rejects.toThrow(
      ManifestError,
    );
  });

  it("caps the config at 8 MiB", async () => {
    const config = configBlob([layer.diffID]);
    const doc = manifestDoc(config, [layerDescriptor(layer)], MediaType.ociManifest) as {
      config: Descriptor;
    };
    doc.config.size = 9 * 1024 * 1024;
    await expect(
      resolveImage(memorySource({ [sha256(config)]: config }, Buffer.from(JSON.stringify(doc)))),
    ).rejects.toThrow(LimitExceededError);
    // A source that streams more than the descriptor promised is cut off too.
    const huge = Buffer.alloc(8 * 1024 * 1024 + 10, 0x20);
    const doc2 = manifestDoc(huge, [layerDescriptor(layer)], MediaType.ociManifest) as { config: Descriptor };
    doc2.config.size = 10;
    await expect(
      resolveImage(memorySource({ [sha256(huge)]: huge }, Buffer.from(JSON.stringify(doc2)))),
    ).rejects.toThrow(LimitExceededError);
  });
});

describe("resolveImage: indexes and platforms", () => {
  const contentOf = async (source: ImageSource, platform?: Platform) => {
    const image = await resolveImage(source, platform ? { platform } : {});
    return formatPlatform(image.platform);
  };

  it("picks linux/amd64 by default and skips attestation manifests", async () => {
    const { dir, written } = await multiLayout([platforms.arm64v8, platforms.amd64], { attestations: true });
    const source = await openOciLayout(dir, "multi");
    const image = await resolveImage(source);
    expect(image.platform).toEqual(platforms.amd64);
    expect(image.indexDigest).toBe(written.indexDigest);
    expect(image.manifestDigest).toBe(written.images[1]?.manifestDigest);
    expect(image.configDigest).toBe(written.images[1]?.configDigest);
  });

  it("matches arm64 with and without the v8 variant", async () => {
    const withVariant = await openOciLayout(
      (await multiLayout([platforms.amd64, platforms.arm64v8])).dir,
      "multi",
    );
    expect(await contentOf(withVariant, parsePlatform("linux/arm64"))).toBe("linux/arm64/v8");
    expect(await contentOf(withVariant, parsePlatform("linux/arm64/v8"))).toBe("linux/arm64/v8");
    expect(await contentOf(withVariant, parsePlatform("linux/aarch64"))).toBe("linux/arm64/v8");
    const noVariant = await openOciLayout(
      (await multiLayout([platforms.amd64, platforms.arm64])).dir,
      "multi",
    );
    expect(await contentOf(noVariant, parsePlatform("linux/arm64/v8"))).toBe("linux/arm64");
    await expect(resolveImage(noVariant, { platform: parsePlatform("linux/arm64/v9") })).rejects.toThrow(
      PlatformNotFoundError,
    );
  });

  it("prefers arm/v7 for plain arm and honours an explicit variant", async () => {
    const source = await openOciLayout((await multiLayout([platforms.armv6, platforms.armv7])).dir, "multi");
    expect(await contentOf(source, parsePlatform("linux/arm"))).toBe("linux/arm/v7");
    expect(await contentOf(source, parsePlatform("linux/arm/v6"))).toBe("linux/arm/v6");
    expect(await contentOf(source, parsePlatform("linux/armhf"))).toBe("linux/arm/v7");
  });

  it("lists the available platforms (not attestations) when none matches", async () => {
    const { dir } = await multiLayout([platforms.amd64, platforms.arm64v8, platforms.armv7], {
      attestations: true,
    });
    const err = await resolveImage(await openOciLayout(dir, "multi"), { platform: platforms.s390x }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PlatformNotFoundError);
    expect((err as Error).message).toContain(
      "no image for platform linux/s390x; available: linux/amd64, linux/arm64/v8, linux/arm/v7",
    );
    expect((err as Error).message).not.toContain("unknown");
  });

  it("resolves Docker manifest lists", async () => {
    const { dir } = await multiLayout([platforms.amd64, platforms.arm64v8], { indexMediaType: "docker" });
    expect(await contentOf(await openOciLayout(dir, "multi"), platforms.arm64)).toBe("linux/arm64/v8");
  });

  it("follows nested indexes up to three deep", async () => {
    const { dir, written } = await multiLayout([platforms.amd64, platforms.arm64v8]);
    // Wrap the index in further indexes without platforms, as index.json does in BuildKit layouts.
    let inner = {
      digest: written.indexDigest,
      size: (await readFile(path.join(dir, "blobs/sha256", written.indexDigest.slice(7)))).length,
    };
    const wrap = async (tag: string) => {
      const bytes = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaType.ociIndex,
          manifests: [{ mediaType: MediaType.ociIndex, ...inner }],
        }),
      );
      const digest = await writeBlob(dir, bytes);
      await addToIndex(dir, {
        mediaType: MediaType.ociIndex,
        digest,
        size: bytes.length,
        annotations: { [REF_NAME]: tag },
      });
      inner = { digest, size: bytes.length };
    };
    await wrap("depth2");
    await wrap("depth3");
    const image = await resolveImage(await openOciLayout(dir, "depth3"), { platform: platforms.arm64 });
    expect(image.platform).toEqual(platforms.arm64v8);
    await wrap("depth4");
    await expect(resolveImage(await openOciLayout(dir, "depth4"))).rejects.toThrow(/nested more than 3 deep/);
  });

  it("verifies child manifests fetched from an index", async () => {
    const config = configBlob([layer.diffID]);
    const manifest = Buffer.from(
      JSON.stringify(manifestDoc(config, [layerDescriptor(layer)], MediaType.ociManifest)),
    );
    const wrongDigest = sha256("something else");
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociIndex,
        manifests: [
          {
            mediaType: MediaType.ociManifest,
            digest: wrongDigest,
            size: manifest.length,
            platform: platforms.amd64,
          },
        ],
      }),
    );
    const source = memorySource({ [wrongDigest]: manifest, [sha256(config)]: config }, index);
    await expect(resolveImage(source)).rejects.toThrow(DigestMismatchError);
  });

  it("rejects an invalid index", async () => {
    const bad = {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [{ digest: "sha256:1", size: 1 }],
    };
    await expect(resolveImage(memorySource({}, Buffer.from(JSON.stringify(bad))))).rejects.toThrow(
      /invalid image index: manifests\[0\]/,
    );
  });
});

describe("platform helpers", () => {
  it("parses and formats platforms", () => {
    expect(parsePlatform("linux/arm64/v8")).toEqual({ os: "linux", architecture: "arm64", variant: "v8" });
    expect(parsePlatform("linux/amd64")).toEqual({ os: "linux", architecture: "amd64" });
    expect(parsePlatform("arm64")).toEqual({ os: "linux", architecture: "arm64" });
    expect(parsePlatform("windows")).toEqual({ os: "windows", architecture: "amd64" });
    expect(parsePlatform("Linux/AMD64")).toEqual({ os: "linux", architecture: "amd64" });
    expect(() => parsePlatform("linux/arm64/v8/extra")).toThrow(InvalidReferenceError);
    expect(() => parsePlatform("linux//v8")).toThrow(InvalidReferenceError);
    expect(() => parsePlatform("")).toThrow(InvalidReferenceError);
    expect(formatPlatform({ os: "linux", architecture: "arm", variant: "v7" })).toBe("linux/arm/v7");
    expect(formatPlatform({ os: "linux", architecture: "amd64" })).toBe("linux/amd64");
  });
});
