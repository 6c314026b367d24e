import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { lstat, mkdir, readdir, readFile, readlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { MediaType } from "../../lib/image/media-types.js";
import type { Descriptor, ImageConfig, Platform } from "../../lib/image/types.js";

/** One tar entry of a layer. `path` is written verbatim, so tests can build hostile layers. */
export interface LayerEntry {
  path: string;
  type?: "file" | "dir" | "symlink" | "link";
  content?: string | Buffer;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
}

export type LayerCompression = "gzip" | "zstd" | "none";

export interface BuiltLayer {
  /** The blob as stored in the registry / layout (compressed unless "none"). */
  blob: Buffer;
  /** sha256 of `blob`. */
  digest: string;
  /** sha256 of the uncompressed tar. */
  diffID: string;
  /** OCI layer media type for the compression. */
  mediaType: string;
  size: number;
  compression: LayerCompression;
  /** The uncompressed tar, handy for tar-level tests. */
  tar: Buffer;
}

// A fixed mtime keeps layer digests reproducible across runs.
const FIXED_MTIME = new Date("2024-01-01T00:00:00Z");

export function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** Packs entries into a tar with tar-stream (ustar, PAX for long names). */
export async function buildTar(entries: LayerEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    p.on("data", (c: unknown) => chunks.push(c as Buffer));
    p.on("end", () => resolve(Buffer.concat(chunks)));
    p.on("error", reject);
  });
  for (const e of entries) {
    const type = e.type ?? "file";
    const common = {
      mode: e.mode ?? (type === "dir" ? 0o755 : type === "symlink" ? 0o777 : 0o644),
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      mtime: e.mtime ?? FIXED_MTIME,
    };
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (type === "file") {
        const content =
          typeof e.content === "string" ? Buffer.from(e.content) : (e.content ?? Buffer.alloc(0));
        p.entry({ ...common, name: e.path, type: "file", size: content.length }, content, cb);
      } else if (type === "dir") {
        // Real tools (docker, tar) write directory names with a trailing slash.
        const name = e.path.endsWith("/") ? e.path : `${e.path}/`;
        p.entry({ ...common, name, type: "directory" }, cb).end(undefined);
      } else {
        // end(): a symlink with an empty linkname would otherwise wait for the target as data.
        p.entry({ ...common, name: e.path, type, linkname: e.linkname ?? "" }, cb).end(undefined);
      }
    });
  }
  p.finalize();
  return done;
}

/** Runs `zstd -q -c` on the bytes: Node 20 has no zstd compressor. */
export function zstdCompress(bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn("zstd", ["-q", "-c"], { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`zstd exited ${code}: ${Buffer.concat(err).toString()}`));
    });
    child.stdin.end(bytes);
  });
}

const LAYER_TYPES: Record<LayerCompression, string> = {
  gzip: MediaType.ociLayerGzip,
  zstd: MediaType.ociLayerZstd,
  none: MediaType.ociLayer,
};

export async function buildLayer(
  entries: LayerEntry[],
  compression: LayerCompression = "gzip",
): Promise<BuiltLayer> {
  const tar = await buildTar(entries);
  const blob =
    compression === "gzip" ? gzipSync(tar) : compression === "zstd" ? await zstdCompress(tar) : tar;
  return {
    blob,
    digest: sha256(blob),
    diffID: sha256(tar),
    mediaType: LAYER_TYPES[compression],
    size: blob.length,
    compression,
    tar,
  };
}

/** Writes bytes to blobs/sha256/<hex> of the layout and returns the digest. */
export async function writeBlob(dir: string, bytes: Buffer | string): Promise<string> {
  const buf = typeof bytes === "string" ? Buffer.from(bytes) : bytes;
  const digest = sha256(buf);
  const blobDir = path.join(dir, "blobs", "sha256");
  await mkdir(blobDir, { recursive: true });
  await writeFile(path.join(blobDir, digest.slice("sha256:".length)), buf);
  return digest;
}

interface OciIndexFile {
  schemaVersion: 2;
  mediaType: string;
  manifests: Descriptor[];
}

async function readIndexFile(dir: string): Promise<OciIndexFile> {
  try {
    return JSON.parse(await readFile(path.join(dir, "index.json"), "utf8")) as OciIndexFile;
  } catch {
    return { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
  }
}

/**
 * Adds a descriptor to index.json (creating the layout if needed). A descriptor carrying the same
 * ref.name replaces the old one, as skopeo does when copying to an existing tag.
 */
export async function addToIndex(dir: string, descriptor: Descriptor): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  const index = await readIndexFile(dir);
  const ref = descriptor.annotations?.[REF_NAME];
  if (ref !== undefined) {
    index.manifests = index.manifests.filter((d) => d.annotations?.[REF_NAME] !== ref);
  }
  index.manifests.push(descriptor);
  const indexPath = path.join(dir, "index.json");
  await writeFile(indexPath, JSON.stringify(index));
  return indexPath;
}

export const REF_NAME = "org.opencontainers.image.ref.name";

export interface ImageSpec {
  layers: BuiltLayer[];
  /** Merged over a valid config; `rootfs` given here replaces the computed one. */
  config?: Partial<ImageConfig>;
  platform?: Platform;
  manifestMediaType?: "oci" | "docker";
  /** Manifest annotations. */
  annotations?: Record<string, string>;
}

export interface WrittenImage {
  manifestDigest: string;
  manifestSize: number;
  manifestMediaType: string;
  configDigest: string;
  /** The manifest descriptor (without annotations) as an index would list it. */
  descriptor: Descriptor;
}

const DOCKER_LAYER_TYPES: Record<LayerCompression, string> = {
  gzip: MediaType.dockerLayer,
  // Docker has no zstd type of its own; docker/buildx write the OCI one inside Docker manifests.
  zstd: MediaType.ociLayerZstd,
  none: "application/vnd.docker.image.rootfs.diff.tar",
};

export function buildConfig(spec: Pick<ImageSpec, "layers" | "config" | "platform">): ImageConfig {
  const platform = spec.platform ?? { os: "linux", architecture: "amd64" };
  return {
    created: FIXED_MTIME.toISOString(),
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["/bin/sh"] },
    history: spec.layers.map((_, i) => ({
      created: FIXED_MTIME.toISOString(),
      created_by: `/bin/sh -c #(nop) layer ${i}`,
    })),
    ...spec.config,
    rootfs: spec.config?.rootfs ?? { type: "layers", diff_ids: spec.layers.map((l) => l.diffID) },
  };
}

/** Writes the config, layer and manifest blobs of one image (index.json untouched). */
export async function writeImageBlobs(dir: string, spec: ImageSpec): Promise<WrittenImage> {
  const docker = spec.manifestMediaType === "docker";
  const configBytes = Buffer.from(JSON.stringify(buildConfig(spec)));
  const configDigest = await writeBlob(dir, configBytes);
  for (const layer of spec.layers) await writeBlob(dir, layer.blob);
  const manifestMediaType = docker ? MediaType.dockerManifest : MediaType.ociManifest;
  const manifest = {
    schemaVersion: 2,
    mediaType: manifestMediaType,
    config: {
      mediaType: docker ? MediaType.dockerConfig : MediaType.ociConfig,
      digest: configDigest,
      size: configBytes.length,
    },
    layers: spec.layers.map((l) => ({
      mediaType: docker ? DOCKER_LAYER_TYPES[l.compression] : l.mediaType,
      digest: l.digest,
      size: l.size,
    })),
    ...(spec.annotations ? { annotations: spec.annotations } : {}),
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const manifestDigest = await writeBlob(dir, manifestBytes);
  return {
    manifestDigest,
    manifestSize: manifestBytes.length,
    manifestMediaType,
    configDigest,
    descriptor: { mediaType: manifestMediaType, digest: manifestDigest, size: manifestBytes.length },
  };
}

export interface OciLayoutOptions extends ImageSpec {
  /** Written as the `org.opencontainers.image.ref.name` annotation of the index.json entry. */
  tag?: string;
  /** Extra descriptors appended to index.json verbatim (dangling, attestation, ...). */
  extraManifests?: Descriptor[];
}

export interface WrittenLayout extends WrittenImage {
  indexPath: string;
}

/**
 * Writes one image into an OCI layout. Calling it again on the same dir adds another image, so a
 * layout with several tags is a few calls.
 */
export async function writeOciLayout(dir: string, options: OciLayoutOptions): Promise<WrittenLayout> {
  const image = await writeImageBlobs(dir, options);
  const descriptor: Descriptor = {
    ...image.descriptor,
    ...(options.tag !== undefined ? { annotations: { [REF_NAME]: options.tag } } : {}),
  };
  let indexPath = await addToIndex(dir, descriptor);
  for (const extra of options.extraManifests ?? []) indexPath = await addToIndex(dir, extra);
  return { ...image, indexPath };
}

export interface PlatformImage {
  platform: Platform;
  layers: BuiltLayer[];
  config?: Partial<ImageConfig>;
  manifestMediaType?: "oci" | "docker";
}

export interface MultiPlatformOptions {
  /** "docker" writes a manifest list; default an OCI index. */
  indexMediaType?: "oci" | "docker";
  /** Add a BuildKit-style attestation manifest (platform unknown/unknown) per image. */
  attestations?: boolean;
}

export interface WrittenMultiPlatform {
  indexDigest: string;
  indexPath: string;
  images: Array<WrittenImage & { platform: Platform }>;
}

/**
 * Writes a multi-platform image the way BuildKit's OCI exporter does: index.json → image index
 * blob → one manifest per platform (plus optional attestation manifests).
 */
export async function writeMultiPlatformLayout(
  dir: string,
  images: PlatformImage[],
  tag: string,
  options: MultiPlatformOptions = {},
): Promise<WrittenMultiPlatform> {
  const written: Array<WrittenImage & { platform: Platform }> = [];
  const manifests: Descriptor[] = [];
  for (const img of images) {
    const w = await writeImageBlobs(dir, img);
    written.push({ ...w, platform: img.platform });
    manifests.push({ ...w.descriptor, platform: img.platform });
  }
  if (options.attestations) {
    for (const w of written) manifests.push(await writeAttestation(dir, w.manifestDigest));
  }
  const indexMediaType =
    options.indexMediaType === "docker" ? MediaType.dockerManifestList : MediaType.ociIndex;
  const indexBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: indexMediaType, manifests }));
  const indexDigest = await writeBlob(dir, indexBytes);
  const indexPath = await addToIndex(dir, {
    mediaType: indexMediaType,
    digest: indexDigest,
    size: indexBytes.length,
    annotations: { [REF_NAME]: tag },
  });
  return { indexDigest, indexPath, images: written };
}

/** An in-toto attestation manifest as BuildKit attaches it to an index. */
async function writeAttestation(dir: string, subject: string): Promise<Descriptor> {
  const statement = Buffer.from(JSON.stringify({ _type: "https://in-toto.io/Statement/v0.1", subject }));
  const layerDigest = await writeBlob(dir, statement);
  const config = Buffer.from(JSON.stringify({ architecture: "unknown", os: "unknown", rootfs: {} }));
  const configDigest = await writeBlob(dir, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: configDigest, size: config.length },
      layers: [
        {
          mediaType: "application/vnd.in-toto+json",
          digest: layerDigest,
          size: statement.length,
          annotations: { "in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2" },
        },
      ],
    }),
  );
  const digest = await writeBlob(dir, manifest);
  return {
    mediaType: MediaType.ociManifest,
    digest,
    size: manifest.length,
    platform: { os: "unknown", architecture: "unknown" },
    annotations: {
      "vnd.docker.reference.digest": subject,
      "vnd.docker.reference.type": "attestation-manifest",
    },
  };
}

/** Reads a host directory tree into layer entries (sorted, so the layer is reproducible). */
export async function fileEntriesFromDir(hostDir: string, prefix = ""): Promise<LayerEntry[]> {
  const out: LayerEntry[] = [];
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(path.join(hostDir, rel))).sort();
    for (const name of names) {
      const relPath = rel ? `${rel}/${name}` : name;
      const abs = path.join(hostDir, relPath);
      const st = await lstat(abs);
      const entryPath = prefix ? `${prefix.replace(/\/+$/, "")}/${relPath}` : relPath;
      const mode = st.mode & 0o7777;
      if (st.isDirectory()) {
        out.push({ path: entryPath, type: "dir", mode });
        await walk(relPath);
      } else if (st.isSymbolicLink()) {
        out.push({ path: entryPath, type: "symlink", linkname: await readlink(abs) });
      } else if (st.isFile()) {
        out.push({ path: entryPath, type: "file", mode, content: await readFile(abs) });
      }
    }
  };
  await walk("");
  return out;
}
