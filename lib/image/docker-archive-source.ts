import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { z } from "zod";
import { LimitExceededError, SourceError } from "../errors.js";
import { digestBytes, formatIssues, isValidDigest } from "./manifest-schema.js";
import { MediaType } from "./media-types.js";
import { normalizeMemberPath, openTarMember, readTarIndex, type TarEntry } from "./tar-index.js";
import type { Descriptor, FetchedManifest, ImageSource } from "./types.js";

/** Cap for manifest.json and the config member. */
export const MAX_ARCHIVE_JSON_BYTES = 8 * 1024 * 1024;
const MAX_LINK_HOPS = 8;

const UNCOMPRESSED_LAYER = "application/vnd.docker.image.rootfs.diff.tar";

const archiveManifestSchema = z.array(
  z.looseObject({
    Config: z.string(),
    RepoTags: z.array(z.string()).nullable().optional(),
    Layers: z.array(z.string()),
    LayerSources: z.record(z.string(), z.looseObject({})).nullable().optional(),
  }),
);
type ArchiveImage = z.infer<typeof archiveManifestSchema>[number];

/** Where a blob of the synthesized manifest lives inside the archive. */
interface Member {
  name: string;
  entry: TarEntry;
}

/**
 * `docker-archive:<file>[:name:tag | :@N]`: the tar `docker save` and skopeo write.
 *
 * Only the tar headers are read when opening (plus the small JSON members and 4 magic bytes per
 * layer), and a Docker schema-2 manifest is synthesized:
 * - Docker 25+ stores layers as "blobs/sha256/<hex>", so the digest is the file name.
 * - Legacy "<id>/layer.tar" (and skopeo's "<diffid>.tar") members are uncompressed layers, so their
 *   digest equals the config's rootfs.diff_ids[i]; no hashing needed. The layer pipeline verifies it.
 * - A compressed member outside blobs/ (go-containerregistry's tarball format) is hashed once here,
 *   the only case where opening costs a read of layer bytes.
 * Members are looked up only in the archive's own index, never on the host filesystem.
 */
export async function openDockerArchive(file: string, selector?: string): Promise<ImageSource> {
  const name = `docker-archive:${file}${selector ? `:${selector}` : ""}`;
  await rejectCompressedArchive(file, name);
  const index = await readTarIndex(file);

  const resolveMember = (member: string, what: string): Member => {
    const found = lookup(index, member);
    if (!found)
      throw new SourceError(`${name}: ${what} "${member}" listed in manifest.json is not in the archive`);
    return found;
  };

  const manifestMember = lookup(index, "manifest.json");
  if (!manifestMember) {
    const hint = lookup(index, "index.json") ? " (an OCI archive? extract it and use oci:<dir>)" : "";
    throw new SourceError(`${name}: no manifest.json in the archive${hint}`);
  }
  const parsed = archiveManifestSchema.safeParse(
    parseJson(await readMember(file, manifestMember, name), name, "manifest.json"),
  );
  if (!parsed.success) throw new SourceError(`${name}: invalid manifest.json: ${formatIssues(parsed.error)}`);
  const image = selectImage(parsed.data, selector, name);

  const configMember = resolveMember(image.Config, "config");
  const configBytes = await readMember(file, configMember, name);
  const configDigest = digestBytes(configBytes);
  const diffIDs = readDiffIDs(configBytes, name);
  if (diffIDs.length !== image.Layers.length) {
    throw new SourceError(
      `${name}: manifest.json lists ${image.Layers.length} layers but the config has ${diffIDs.length} diff_ids`,
    );
  }

  const blobs = new Map<string, Member>([[configDigest, configMember]]);
  const layers: Descriptor[] = [];
  for (const [i, layerPath] of image.Layers.entries()) {
    const member = resolveMember(layerPath, `layer ${i}`);
    const compression = await sniffCompression(file, member.entry);
    const fromName = /^blobs\/(sha256|sha512)\/([a-f0-9]+)$/.exec(member.name);
    let digest: string;
    if (fromName) digest = `${fromName[1]}:${fromName[2]}`;
    else if (compression === "none") digest = diffIDs[i] ?? "";
    else digest = await hashMember(file, member.entry);
    if (!isValidDigest(digest)) throw new SourceError(`${name}: layer ${i} has no usable digest`);
    blobs.set(digest, member);
    layers.push({
      mediaType:
        compression === "gzip"
          ? MediaType.dockerLayer
          : compression === "zstd"
            ? MediaType.ociLayerZstd
            : UNCOMPRESSED_LAYER,
      digest,
      size: member.entry.size,
    });
  }

  const manifestBytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.dockerManifest,
      config: { mediaType: MediaType.dockerConfig, digest: configDigest, size: configBytes.length },
      layers,
    }),
  );
  const manifestDigest = digestBytes(manifestBytes);

  return {
    name,
    kind: "docker-archive",
    async fetchManifest(digest?: string): Promise<FetchedManifest> {
      if (digest === undefined || digest === manifestDigest) {
        return { bytes: manifestBytes, mediaType: MediaType.dockerManifest, digest: manifestDigest };
      }
      // Docker 25+ archives also carry the original manifests as OCI blobs.
      const member = isValidDigest(digest) ? lookup(index, `blobs/${digest.replace(":", "/")}`) : undefined;
      if (!member) throw new SourceError(`${name}: no manifest ${digest} in the archive`);
      const bytes = await readMember(file, member, name);
      return { bytes, digest: digestBytes(bytes, digest) };
    },
    async openBlob(descriptor: Descriptor): Promise<Readable> {
      const member = blobs.get(descriptor.digest);
      if (!member) throw new SourceError(`${name}: no blob ${descriptor.digest} in the archive`);
      return openTarMember(file, member.entry);
    },
  };
}

async function rejectCompressedArchive(file: string, name: string): Promise<void> {
  const magic = await readHead(file, name);
  const kind = compressionOf(magic);
  if (kind !== "none") {
    throw new SourceError(
      `${name}: the archive is ${kind}-compressed; decompress it first ` +
        `(e.g. \`${kind === "gzip" ? "gunzip" : "unzstd"} ${path.basename(file)}\`) — ` +
        "scanning reads members at random offsets, which a compressed stream cannot offer",
    );
  }
}

async function readHead(file: string, name: string, offset = 0): Promise<Buffer> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, "r");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a directory" : String(err);
    throw new SourceError(`${name}: ${reason}`, { cause: err });
  }
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buf, 0, 4, offset);
    return buf.subarray(0, bytesRead);
  } catch (err) {
    const reason =
      (err as NodeJS.ErrnoException).code === "EISDIR" ? "is a directory, not a tar" : String(err);
    throw new SourceError(`${name}: ${reason}`, { cause: err });
  } finally {
    await handle.close();
  }
}

type Compression = "gzip" | "zstd" | "none";

function compressionOf(magic: Buffer): Compression {
  if (magic[0] === 0x1f && magic[1] === 0x8b) return "gzip";
  if (magic.length >= 4 && magic.readUInt32LE(0) === 0xfd2fb528) return "zstd";
  return "none";
}

/** The bytes decide, not LayerSources or the file name: both have been seen to lie. */
async function sniffCompression(file: string, entry: TarEntry): Promise<Compression> {
  if (entry.size < 4) return "none";
  const handle = await open(file, "r");
  try {
    const buf = Buffer.alloc(4);
    await handle.read(buf, 0, 4, entry.offset);
    return compressionOf(buf);
  } finally {
    await handle.close();
  }
}

async function hashMember(file: string, entry: TarEntry): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of openTarMember(file, entry)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest("hex")}`;
}

/** Finds a member by path, following symlinks/hard links inside the archive (docker dedups layers so). */
function lookup(index: Map<string, TarEntry>, member: string): Member | undefined {
  let current = normalizeMemberPath(member);
  for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
    const entry = index.get(current);
    if (!entry) return undefined;
    if (entry.type === "file") return { name: current, entry };
    if (entry.type !== "symlink" && entry.type !== "link") return undefined;
    const target = entry.linkname ?? "";
    // Symlinks resolve against their directory, hard links against the archive root.
    const joined = entry.type === "symlink" ? path.posix.join(path.posix.dirname(current), target) : target;
    const normalized = path.posix.normalize(joined);
    if (normalized.startsWith("../") || normalized === ".." || path.posix.isAbsolute(target))
      return undefined;
    current = normalizeMemberPath(normalized);
  }
  return undefined;
}

async function readMember(file: string, member: Member, name: string): Promise<Buffer> {
  if (member.entry.size > MAX_ARCHIVE_JSON_BYTES) {
    throw new LimitExceededError(
      `${name}: ${member.name} is ${member.entry.size} bytes, over the ${MAX_ARCHIVE_JSON_BYTES}-byte cap`,
    );
  }
  const chunks: Buffer[] = [];
  for await (const chunk of openTarMember(file, member.entry)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parseJson(bytes: Buffer, name: string, what: string): unknown {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new SourceError(`${name}: ${what} is not valid JSON`, { cause: err });
  }
}

function readDiffIDs(configBytes: Buffer, name: string): string[] {
  const config = parseJson(configBytes, name, "the image config") as {
    rootfs?: { diff_ids?: unknown };
  } | null;
  const diffIDs = config?.rootfs?.diff_ids;
  if (!Array.isArray(diffIDs) || diffIDs.some((d) => typeof d !== "string")) {
    throw new SourceError(`${name}: the image config has no rootfs.diff_ids`);
  }
  return diffIDs as string[];
}

function selectImage(images: ArchiveImage[], selector: string | undefined, name: string): ArchiveImage {
  if (selector === undefined || selector === "") {
    const [only] = images;
    if (images.length === 1 && only) return only;
    if (images.length === 0) throw new SourceError(`${name}: manifest.json lists no images`);
    throw new SourceError(
      `${name}: the archive holds ${images.length} images; pick one with docker-archive:<file>:<name:tag> ` +
        `or :@N. Available: ${describe(images)}`,
    );
  }
  const at = /^@(\d+)$/.exec(selector);
  if (at) {
    const image = images[Number(at[1])];
    if (!image) throw new SourceError(`${name}: manifest.json has ${images.length} images, no ${selector}`);
    return image;
  }
  const wanted = normalizeTag(selector);
  const image = images.find((img) => (img.RepoTags ?? []).some((t) => normalizeTag(t) === wanted));
  if (!image) throw new SourceError(`${name}: no image tagged "${selector}"; available: ${describe(images)}`);
  return image;
}

/** "alpine" ≡ "alpine:latest" ≡ "docker.io/library/alpine:latest": docker save and skopeo differ. */
function normalizeTag(ref: string): string {
  let r = ref.trim();
  const lastSlash = r.lastIndexOf("/");
  if (r.lastIndexOf(":") <= lastSlash) r += ":latest";
  const firstPart = r.split("/")[0] ?? "";
  const hasRegistry =
    r.includes("/") && (firstPart.includes(".") || firstPart.includes(":") || firstPart === "localhost");
  if (!hasRegistry) r = `docker.io/${r}`;
  if (r.startsWith("docker.io/") && r.split("/").length === 2)
    r = r.replace("docker.io/", "docker.io/library/");
  return r;
}

function describe(images: ArchiveImage[]): string {
  return images.map((img, i) => `@${i} ${(img.RepoTags ?? []).join(" ") || "(untagged)"}`).join(", ");
}
