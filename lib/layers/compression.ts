import { PassThrough, Transform, type TransformCallback } from "node:stream";
import * as zlib from "node:zlib";
import { Decompress } from "fzstd";

export type Compression = "gzip" | "zstd" | "none";

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/** Media types lie (docker "tar.gzip" layers that are plain tar exist); the first bytes do not. */
export function detectCompression(head: Uint8Array): Compression {
  if (startsWith(head, GZIP_MAGIC)) return "gzip";
  if (startsWith(head, ZSTD_MAGIC)) return "zstd";
  return "none";
}

function startsWith(head: Uint8Array, magic: number[]): boolean {
  return head.length >= magic.length && magic.every((b, i) => head[i] === b);
}

const CHUNK = 1024 * 1024;

export function createDecompressor(compression: Compression): Transform {
  switch (compression) {
    case "gzip":
      return zlib.createGunzip({ chunkSize: CHUNK });
    case "zstd":
      return createZstdDecompressor();
    case "none":
      return new PassThrough();
  }
}

type ZstdFactory = (opts?: { chunkSize?: number }) => Transform;

/** node:zlib has zstd from Node 22.15 (Lambda nodejs22.x); Node 20 falls back to pure-JS fzstd. */
function createZstdDecompressor(): Transform {
  const native = (zlib as unknown as { createZstdDecompress?: ZstdFactory }).createZstdDecompress;
  return native ? native({ chunkSize: CHUNK }) : new FzstdTransform();
}

class FzstdTransform extends Transform {
  private readonly inner = new Decompress((block) => {
    // fzstd reuses its window; copy each block before handing it downstream.
    if (block.length > 0) this.push(Buffer.from(block));
  });

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.inner.push(chunk);
      cb();
    } catch (err) {
      cb(zstdError(err));
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      this.inner.push(new Uint8Array(0), true);
      cb();
    } catch (err) {
      cb(zstdError(err));
    }
  }
}

function zstdError(err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  return new Error(`invalid zstd data: ${message}`, { cause: err });
}
