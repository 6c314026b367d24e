import type { Readable } from "node:stream";
import type { z } from "zod";
import {
  DigestMismatchError,
  LimitExceededError,
  ManifestError,
  PlatformNotFoundError,
  UnsupportedMediaTypeError,
} from "../errors.js";
import {
  digestBytes,
  formatIssues,
  imageConfigSchema,
  imageIndexSchema,
  imageManifestSchema,
} from "./manifest-schema.js";
import { INDEX_MEDIA_TYPES, LAYER_MEDIA_TYPES, MANIFEST_MEDIA_TYPES, MediaType } from "./media-types.js";
import {
  DEFAULT_PLATFORM,
  formatPlatform,
  isUnknownPlatform,
  platformMatches,
  platformScore,
} from "./platform.js";
import type {
  Descriptor,
  FetchedManifest,
  ImageConfig,
  ImageIndex,
  ImageManifest,
  ImageSource,
  Platform,
  ResolvedImage,
} from "./types.js";

export { formatPlatform, parsePlatform } from "./platform.js";

export interface ResolveOptions {
  /**
   * The platform to pick from an index (default linux/amd64). Pass it only when the user asked for
   * one: then a single-platform image for another platform is an error rather than scanned anyway.
   */
  platform?: Platform;
}

/** BuildKit nests index.json → image index → manifests; deeper than this is a loop or abuse. */
const MAX_INDEX_DEPTH = 3;
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

const CONFIG_MEDIA_TYPES: readonly string[] = [MediaType.ociConfig, MediaType.dockerConfig];
const SCHEMA1_MEDIA_TYPES: readonly string[] = [MediaType.dockerSchema1, MediaType.dockerSchema1Signed];
// Builders invent layer types; anything that says it is a (compressed) tar is worth a try.
const TARISH_SUFFIX = /(?:\.tar|\+gzip|\+zstd|\.tar\.gzip|\.tar\.gz)$/;

/**
 * Turns whatever the source points to into one single-platform image: follows indexes to the
 * platform's manifest, validates it, then fetches and verifies the config.
 */
export async function resolveImage(
  source: ImageSource,
  options: ResolveOptions = {},
): Promise<ResolvedImage> {
  const wanted = options.platform ?? DEFAULT_PLATFORM;
  let fetched: FetchedManifest = await source.fetchManifest();
  let transportType = fetched.mediaType;
  let indexDigest: string | undefined;
  let chosen: Descriptor | undefined;

  for (let depth = 0; ; depth++) {
    const digest = digestBytes(fetched.bytes, fetched.digest);
    const json = parseJson(fetched.bytes, `${source.name}: manifest ${digest}`);
    const kind = classify(json, transportType, source.name);
    if (kind.kind === "manifest") {
      const manifest = validateManifest(json, kind.mediaType, source.name);
      const { config, configDigest } = await fetchConfig(source, manifest);
      const platform = resultPlatform(chosen, config, options.platform, source.name);
      return {
        manifestDigest: digest,
        ...(indexDigest !== undefined ? { indexDigest } : {}),
        manifest,
        config,
        configDigest,
        platform,
      };
    }
    if (depth >= MAX_INDEX_DEPTH) {
      throw new ManifestError(`${source.name}: image indexes nested more than ${MAX_INDEX_DEPTH} deep`);
    }
    const index = validateIndex(json, kind.mediaType, source.name);
    indexDigest ??= digest;
    chosen = selectManifest(index, wanted, source.name);
    const child = await source.fetchManifest(chosen.digest);
    const childDigest = digestBytes(child.bytes, chosen.digest);
    if (childDigest !== chosen.digest) {
      throw new DigestMismatchError(
        `${source.name}: manifest ${chosen.digest} from the index hashes to ${childDigest}`,
      );
    }
    fetched = child;
    transportType = child.mediaType ?? chosen.mediaType;
  }
}

function parseJson(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new ManifestError(`${what} is not valid JSON`, { cause: err });
  }
}

type Kind = { kind: "index" | "manifest"; mediaType: string };

/** The JSON's own mediaType wins, then the transport's, then the document's shape. */
function classify(json: unknown, transportType: string | undefined, name: string): Kind {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new ManifestError(`${name}: manifest is not a JSON object`);
  }
  const doc = json as Record<string, unknown>;
  const declared = typeof doc.mediaType === "string" ? doc.mediaType : undefined;
  const type = declared ?? transportType;
  if (doc.schemaVersion === 1 || (type !== undefined && SCHEMA1_MEDIA_TYPES.includes(type))) {
    throw new UnsupportedMediaTypeError(
      `${name}: Docker schema 1 manifests are deprecated and not supported; ` +
        "re-push the image with a current Docker or `skopeo copy` to convert it to schema 2",
    );
  }
  if (type !== undefined && INDEX_MEDIA_TYPES.includes(type)) return { kind: "index", mediaType: type };
  if (type !== undefined && MANIFEST_MEDIA_TYPES.includes(type)) return { kind: "manifest", mediaType: type };
  // OCI 1.0 made mediaType optional, and local transports may not know it: look at the shape.
  if (declared === undefined) {
    if (Array.isArray(doc.manifests)) return { kind: "index", mediaType: MediaType.ociIndex };
    if (typeof doc.config === "object" && Array.isArray(doc.layers)) {
      return { kind: "manifest", mediaType: MediaType.ociManifest };
    }
  }
  if (type !== undefined) {
    throw new UnsupportedMediaTypeError(`${name}: unsupported manifest media type "${type}"`);
  }
  throw new ManifestError(`${name}: document is neither an image manifest nor an image index`);
}

function validateIndex(json: unknown, mediaType: string, name: string): ImageIndex {
  const parsed = imageIndexSchema.safeParse(json);
  if (!parsed.success) throw invalid(name, "image index", parsed.error);
  return { ...parsed.data, mediaType: parsed.data.mediaType ?? mediaType } as ImageIndex;
}

function validateManifest(json: unknown, mediaType: string, name: string): ImageManifest {
  const parsed = imageManifestSchema.safeParse(json);
  if (!parsed.success) throw invalid(name, "image manifest", parsed.error);
  const manifest = { ...parsed.data, mediaType: parsed.data.mediaType ?? mediaType } as ImageManifest;
  const configType = manifest.config.mediaType;
  if (!CONFIG_MEDIA_TYPES.includes(configType)) {
    throw new UnsupportedMediaTypeError(
      `${name}: config media type "${configType}" is not a container image config ` +
        "(an OCI artifact such as a Helm chart, signature or SBOM?)",
    );
  }
  manifest.layers.forEach((layer, i) => {
    if (!LAYER_MEDIA_TYPES.includes(layer.mediaType) && !TARISH_SUFFIX.test(layer.mediaType)) {
      throw new UnsupportedMediaTypeError(
        `${name}: layer ${i} has unsupported media type "${layer.mediaType}"`,
      );
    }
  });
  return manifest;
}

function invalid(name: string, what: string, error: z.ZodError): ManifestError {
  return new ManifestError(`${name}: invalid ${what}: ${formatIssues(error)}`, { cause: error });
}

function isAttestation(d: Descriptor): boolean {
  return (
    isUnknownPlatform(d.platform) || d.annotations?.["vnd.docker.reference.type"] === "attestation-manifest"
  );
}

function selectManifest(index: ImageIndex, wanted: Platform, name: string): Descriptor {
  const candidates = index.manifests.filter((d) => !isAttestation(d));
  let best: Descriptor | undefined;
  let bestScore = -1;
  for (const d of candidates) {
    if (!d.platform || !platformMatches(wanted, d.platform)) continue;
    const score = platformScore(wanted, d.platform);
    if (score > bestScore) {
      best = d;
      bestScore = score;
    }
  }
  if (best) return best;
  // A lone entry without a platform (an index.json → index hop, or a hand-made index) is the image.
  const unplatformed = candidates.filter((d) => !d.platform);
  if (unplatformed.length === 1 && unplatformed.length === candidates.length && unplatformed[0]) {
    return unplatformed[0];
  }
  const available = [...new Set(candidates.map((d) => (d.platform ? formatPlatform(d.platform) : "(none)")))];
  throw new PlatformNotFoundError(
    `${name}: no image for platform ${formatPlatform(wanted)}; available: ${available.join(", ") || "none"}`,
  );
}

async function fetchConfig(
  source: ImageSource,
  manifest: ImageManifest,
): Promise<{ config: ImageConfig; configDigest: string }> {
  const descriptor = manifest.config;
  if (descriptor.size > MAX_CONFIG_BYTES) {
    throw new LimitExceededError(
      `${source.name}: config blob is ${descriptor.size} bytes, over the ${MAX_CONFIG_BYTES}-byte cap`,
    );
  }
  const bytes = await readCapped(await source.openBlob(descriptor), MAX_CONFIG_BYTES, source.name);
  const actual = digestBytes(bytes, descriptor.digest);
  if (actual !== descriptor.digest) {
    throw new DigestMismatchError(
      `${source.name}: config blob should be ${descriptor.digest} but is ${actual}`,
    );
  }
  const parsed = imageConfigSchema.safeParse(parseJson(bytes, `${source.name}: config ${descriptor.digest}`));
  if (!parsed.success) throw invalid(source.name, "image config", parsed.error);
  const config = parsed.data as ImageConfig;
  if (config.config === null) delete config.config;
  if (config.rootfs.diff_ids.length !== manifest.layers.length) {
    throw new ManifestError(
      `${source.name}: config lists ${config.rootfs.diff_ids.length} diff_ids but the manifest has ` +
        `${manifest.layers.length} layers`,
    );
  }
  return { config, configDigest: descriptor.digest };
}

async function readCapped(stream: Readable, cap: number, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      total += buf.length;
      if (total > cap) throw new LimitExceededError(`${name}: config blob exceeds the ${cap}-byte cap`);
      chunks.push(buf);
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks);
}

/** The index entry's platform if we chose one, else what the config says. */
function resultPlatform(
  chosen: Descriptor | undefined,
  config: ImageConfig,
  requested: Platform | undefined,
  name: string,
): Platform {
  if (chosen?.platform) return pickPlatformFields(chosen.platform);
  const fromConfig: Platform = {
    os: config.os ?? "unknown",
    architecture: config.architecture ?? "unknown",
    ...(config.variant ? { variant: config.variant } : {}),
  };
  if (requested && config.os && config.architecture && !platformMatches(requested, fromConfig)) {
    throw new PlatformNotFoundError(
      `${name} is a single-platform image for ${formatPlatform(fromConfig)}, not ${formatPlatform(requested)}`,
    );
  }
  return fromConfig;
}

function pickPlatformFields(p: Platform): Platform {
  const out: Platform = { os: p.os, architecture: p.architecture };
  if (p.variant) out.variant = p.variant;
  if (p["os.version"]) out["os.version"] = p["os.version"];
  return out;
}
