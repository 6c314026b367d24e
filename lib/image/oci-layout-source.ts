import { createReadStream, open as openCallback } from "node:fs";
import { type FileHandle, open, stat } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { promisify } from "node:util";
import { DigestMismatchError, LimitExceededError, SourceError } from "../errors.js";
import { digestBytes, formatIssues, imageIndexSchema, isValidDigest } from "./manifest-schema.js";
import type { Descriptor, FetchedManifest, ImageSource } from "./types.js";

/** Cap for index.json, oci-layout and manifests: real ones are a few KB. */
export const MAX_JSON_BYTES = 4 * 1024 * 1024;

export const REF_NAME_ANNOTATION = "org.opencontainers.image.ref.name";
// BuildKit's OCI exporter puts the full name here and only the tag in ref.name.
const CONTAINERD_NAME_ANNOTATION = "io.containerd.image.name";

const openFd = promisify(openCallback);

/** The top manifest of the layout: a descriptor from index.json, or a bare digest. */
interface Selected {
  digest: string;
  mediaType?: string;
}

/**
 * `oci:<dir>[:selector]`: an OCI image layout directory (skopeo, buildah, BuildKit, umoci).
 * The selector is a tag (the index.json ref.name annotation, or the tag part of a "name:tag" one),
 * a full ref.name, a digest, or "@N" (the Nth index.json entry). Without a selector the layout
 * must hold exactly one image.
 */
export async function openOciLayout(dir: string, selector?: string): Promise<ImageSource> {
  const name = `oci:${dir}${selector ? `:${selector}` : ""}`;
  await checkLayoutDir(dir, name);

  const layoutJson = parseLayoutJson(
    await readJsonFile(path.join(dir, "oci-layout"), name, "oci-layout"),
    name,
  );
  const version = (layoutJson as { imageLayoutVersion?: unknown }).imageLayoutVersion;
  if (typeof version !== "string" || !/^1\./.test(version)) {
    throw new SourceError(`${name}: unsupported oci-layout imageLayoutVersion ${JSON.stringify(version)}`);
  }

  const indexJson = parseLayoutJson(
    await readJsonFile(path.join(dir, "index.json"), name, "index.json"),
    name,
  );
  const parsed = imageIndexSchema.safeParse(indexJson);
  if (!parsed.success) throw new SourceError(`${name}: invalid index.json: ${formatIssues(parsed.error)}`);
  const manifests = parsed.data.manifests as Descriptor[];
  const selected = await select(dir, manifests, selector, name);

  const readBlob = async (digest: string): Promise<Buffer> => {
    const file = blobPath(dir, digest, name);
    const bytes = await readJsonFile(file, name, `blob ${digest}`);
    const actual = digestBytes(bytes, digest);
    if (actual !== digest)
      throw new DigestMismatchError(`${name}: blob ${digest} is corrupt (hashes to ${actual})`);
    return bytes;
  };

  return {
    name,
    kind: "oci-layout",
    async fetchManifest(digest?: string): Promise<FetchedManifest> {
      if (digest === undefined) {
        const bytes = await readBlob(selected.digest);
        return {
          bytes,
          digest: selected.digest,
          ...(selected.mediaType ? { mediaType: selected.mediaType } : {}),
        };
      }
      const bytes = await readBlob(digest);
      const known = manifests.find((d) => d.digest === digest);
      return { bytes, digest, ...(known ? { mediaType: known.mediaType } : {}) };
    },
    async openBlob(descriptor: Descriptor): Promise<Readable> {
      const file = blobPath(dir, descriptor.digest, name);
      let fd: number;
      try {
        fd = await openFd(file, "r");
      } catch (err) {
        throw missing(err, name, `blob ${descriptor.digest}`);
      }
      return createReadStream(file, { fd, highWaterMark: 1024 * 1024 });
    },
  };
}

async function checkLayoutDir(dir: string, name: string): Promise<void> {
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) {
      throw new SourceError(`${name}: ${dir} is not a directory (for a tar file use docker-archive:)`);
    }
  } catch (err) {
    if (err instanceof SourceError) throw err;
    throw missing(err, name, `directory ${dir}`);
  }
}

/** blobs/<alg>/<hex>; the strict digest check is what keeps this inside the layout. */
export function blobPath(dir: string, digest: string, name = dir): string {
  if (!isValidDigest(digest)) throw new SourceError(`${name}: invalid digest "${digest}"`);
  const [algorithm = "", hex = ""] = digest.split(":");
  return path.join(dir, "blobs", algorithm, hex);
}

async function readJsonFile(file: string, name: string, what: string): Promise<Buffer> {
  let handle: FileHandle;
  try {
    handle = await open(file, "r");
  } catch (err) {
    throw missing(err, name, what);
  }
  try {
    const { size } = await handle.stat();
    if (size > MAX_JSON_BYTES) {
      throw new LimitExceededError(`${name}: ${what} is ${size} bytes, over the ${MAX_JSON_BYTES}-byte cap`);
    }
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

function parseLayoutJson(bytes: Buffer, name: string): unknown {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new SourceError(`${name}: layout file is not valid JSON (truncated or corrupt?)`, { cause: err });
  }
}

function missing(err: unknown, name: string, what: string): SourceError {
  const code = (err as NodeJS.ErrnoException).code;
  const reason = code === "ENOENT" ? "not found" : code === "EACCES" ? "permission denied" : String(err);
  const hint = what === "oci-layout" ? " (not an OCI image layout?)" : "";
  return new SourceError(`${name}: ${what} ${reason}${hint}`, { cause: err });
}

async function select(
  dir: string,
  manifests: Descriptor[],
  selector: string | undefined,
  name: string,
): Promise<Selected> {
  if (selector === undefined || selector === "") {
    const [only] = manifests;
    if (manifests.length === 1 && only) return only;
    if (manifests.length === 0) throw new SourceError(`${name}: the layout's index.json lists no images`);
    throw new SourceError(
      `${name}: the layout holds ${manifests.length} images; pick one with oci:${dir}:<tag>. ` +
        `Available: ${describe(manifests)}`,
    );
  }

  const indexMatch = /^@(\d+)$/.exec(selector);
  if (indexMatch) {
    const entry = manifests[Number(indexMatch[1])];
    if (!entry) throw new SourceError(`${name}: index.json has ${manifests.length} entries, no ${selector}`);
    return entry;
  }

  const digest = selector.replace(/^@/, "");
  if (/^sha(256|512):/.test(digest)) {
    if (!isValidDigest(digest)) throw new SourceError(`${name}: invalid digest "${digest}"`);
    const entry = manifests.find((d) => d.digest === digest);
    if (entry) return entry;
    // A digest not listed in index.json may still be a manifest blob (e.g. one platform's manifest).
    try {
      await stat(blobPath(dir, digest, name));
      return { digest };
    } catch {
      throw new SourceError(`${name}: no manifest ${digest} in the layout`);
    }
  }

  const exact = manifests.filter((d) => d.annotations?.[REF_NAME_ANNOTATION] === selector);
  const matches = exact.length > 0 ? exact : manifests.filter((d) => tagMatches(d, selector));
  const [first] = matches;
  if (!first) {
    throw new SourceError(`${name}: no image tagged "${selector}"; available: ${describe(manifests)}`);
  }
  if (matches.some((d) => d.digest !== first.digest)) {
    throw new SourceError(
      `${name}: "${selector}" matches ${matches.length} different images: ${describe(matches)}; use the full name`,
    );
  }
  return first;
}

/** "1.0" matches ref.name "example.com/app:1.0" (skopeo, buildah) or a containerd image name. */
function tagMatches(d: Descriptor, selector: string): boolean {
  const names = [d.annotations?.[REF_NAME_ANNOTATION], d.annotations?.[CONTAINERD_NAME_ANNOTATION]];
  return names.some((n) => n !== undefined && (n === selector || tagOf(n) === selector));
}

function tagOf(ref: string): string | undefined {
  const withoutDigest = ref.split("@")[0] ?? "";
  const colon = withoutDigest.lastIndexOf(":");
  // A colon before the last slash is a registry port, not a tag.
  return colon > withoutDigest.lastIndexOf("/") ? withoutDigest.slice(colon + 1) : undefined;
}

function describe(manifests: Descriptor[]): string {
  return manifests
    .map((d) => d.annotations?.[REF_NAME_ANNOTATION] ?? `(untagged) ${d.digest.slice(0, 19)}…`)
    .join(", ");
}
