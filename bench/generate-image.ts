import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import * as tarStream from "tar-stream";

export { mulberry32 } from "../test/helpers/prng.js";

/**
 * Writes synthetic but realistically shaped OCI images for benchmarks, one gzip layer per content
 * function. Cached: regenerated only when the caller's stamp changes.
 */
export interface GeneratedImage {
  dir: string;
  tag: string;
  layerFiles: string[];
  uncompressedBytes: number;
  compressedBytes: number;
}

/** Adds one regular file to the layer being written. */
export type AddFile = (name: string, content: Buffer, mode?: number) => Promise<void>;

/** Writes one layer's files. */
export type LayerContent = (add: AddFile) => Promise<void>;

export interface GenerateOptions {
  dir: string;
  /** Anything that identifies the content; a different stamp regenerates the image. */
  stamp: unknown;
  layers: LayerContent[];
}

const TAG = "bench";

export async function generateImage(options: GenerateOptions): Promise<GeneratedImage> {
  const { dir } = options;
  const stamp = JSON.stringify(options.stamp);
  const stampFile = join(dir, "bench-stamp.json");
  const existing = await readFile(stampFile, "utf8").catch(() => "");
  if (existing) {
    const parsed = JSON.parse(existing) as { stamp: string; image: GeneratedImage };
    if (parsed.stamp === stamp) return parsed.image;
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, "blobs", "sha256"), { recursive: true });
  const built = await Promise.all(options.layers.map((content, i) => writeLayer(dir, i, content)));

  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      created: "2026-01-01T00:00:00Z",
      config: { Cmd: ["/bin/sh"] },
      rootfs: { type: "layers", diff_ids: built.map((l) => l.diffID) },
      history: built.map((_, i) => ({ created_by: `bench layer ${i}` })),
    }),
  );
  const configDigest = await writeBlob(dir, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: configDigest,
        size: config.length,
      },
      layers: built.map((l) => ({
        mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
        digest: l.digest,
        size: l.size,
      })),
    }),
  );
  const manifestDigest = await writeBlob(dir, manifest);
  await writeFile(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  await writeFile(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: manifestDigest,
          size: manifest.length,
          annotations: { "org.opencontainers.image.ref.name": TAG },
        },
      ],
    }),
  );
  const image: GeneratedImage = {
    dir,
    tag: TAG,
    layerFiles: built.map((l) => join(dir, "blobs", "sha256", l.digest.slice("sha256:".length))),
    uncompressedBytes: built.reduce((n, l) => n + l.uncompressed, 0),
    compressedBytes: built.reduce((n, l) => n + l.size, 0),
  };
  await writeFile(stampFile, JSON.stringify({ stamp, image }));
  return image;
}

/** A layer of `targetBytes` of files cut from the corpus: the size mix of a distro root filesystem. */
export function corpusLayer(
  index: number,
  targetBytes: number,
  corpus: Buffer,
  random: () => number,
): LayerContent {
  return async (add) => {
    let written = 0;
    for (let n = 0; written < targetBytes; n++) {
      // Mostly small files, some large ones.
      const size = random() < 0.9 ? Math.floor(random() * 24 * 1024) : Math.floor(random() * 1024 * 1024);
      const start = Math.floor(random() * (corpus.length - size));
      const name = `usr/share/bench${index}/d${n % 97}/f${n}.${random() < 0.5 ? "txt" : "bin"}`;
      await add(name, corpus.subarray(start, start + size));
      written += size + 512;
    }
  };
}

async function writeLayer(
  dir: string,
  index: number,
  content: LayerContent,
): Promise<{ digest: string; diffID: string; size: number; uncompressed: number }> {
  const pack = tarStream.pack();
  const tmp = join(dir, `layer-${index}.tmp`);
  const uncompressed = new HashTap();
  const compressed = new HashTap();
  const done = pipeline(pack, uncompressed, createGzip({ level: 6 }), compressed, createWriteStream(tmp));
  await content(
    (name, bytes, mode = 0o644) =>
      new Promise<void>((resolve, reject) =>
        pack.entry({ name, size: bytes.length, mode, mtime: new Date(0) }, bytes, (err) =>
          err ? reject(err) : resolve(),
        ),
      ),
  );
  pack.finalize();
  await done;
  const digest = compressed.digest();
  await rename(tmp, join(dir, "blobs", "sha256", digest.slice("sha256:".length)));
  const size = (await stat(join(dir, "blobs", "sha256", digest.slice("sha256:".length)))).size;
  return { digest, diffID: uncompressed.digest(), size, uncompressed: uncompressed.bytes };
}

async function writeBlob(dir: string, bytes: Buffer): Promise<string> {
  const hex = createHash("sha256").update(bytes).digest("hex");
  await writeFile(join(dir, "blobs", "sha256", hex), bytes);
  return `sha256:${hex}`;
}

class HashTap extends Transform {
  private readonly hash = createHash("sha256");
  bytes = 0;
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
  digest(): string {
    return `sha256:${this.hash.digest("hex")}`;
  }
}

/**
 * Text-like runs (Zipf-distributed words, as in docs and scripts) mixed with binary-like runs
 * (mostly zeros and a few common byte values, as in ELF code and data). The mix compresses to
 * about 48% with gzip -6, like the Debian rootfs layer measured in DESIGN.md (133 of 278 MB).
 */
export function makeCorpus(random: () => number, size: number): Buffer {
  const words = Array.from({ length: 4000 }, () =>
    Array.from({ length: 2 + Math.floor(random() * 9) }, () =>
      String.fromCharCode(97 + Math.floor(random() * 26)),
    ).join(""),
  );
  const palette = Array.from({ length: 12 }, () => Math.floor(random() * 256));
  const out = Buffer.alloc(size);
  let at = 0;
  while (at < size) {
    if (random() < 0.65) {
      const count = 4 + Math.floor(random() * 10);
      const line = `${Array.from({ length: count }, () => words[Math.floor(words.length * random() ** 3)]).join(" ")}\n`;
      at += out.write(line, at, "latin1");
    } else {
      const run = Math.min(size - at, 256 + Math.floor(random() * 2048));
      for (let i = 0; i < run; i++) {
        const r = random();
        out[at + i] =
          r < 0.45
            ? 0
            : r < 0.95
              ? (palette[Math.floor(random() * palette.length)] as number)
              : Math.floor(random() * 256);
      }
      at += run;
    }
  }
  return out;
}
