import { createHash, type Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";

/** Hashes and counts bytes as they pass, optionally failing once a byte cap is crossed. */
export class DigestTap extends Transform {
  private readonly hash: Hash;
  bytes = 0;

  constructor(
    private readonly algorithm: string,
    private readonly options: {
      maxBytes?: number;
      onLimit?: () => Error;
      onBytes?: (n: number) => void;
    } = {},
  ) {
    super({ highWaterMark: 1024 * 1024 });
    this.hash = createHash(algorithm);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    const { maxBytes, onLimit, onBytes } = this.options;
    if (maxBytes !== undefined && this.bytes > maxBytes) {
      cb(onLimit ? onLimit() : new Error(`more than ${maxBytes} bytes`));
      return;
    }
    this.hash.update(chunk);
    onBytes?.(chunk.length);
    cb(null, chunk);
  }

  /** "sha256:<hex>" of everything that passed; call once, after the stream ended. */
  digest(): string {
    return `${this.algorithm}:${this.hash.digest("hex")}`;
  }
}

/** Node's hash names match the OCI digest algorithm names we accept. */
export function digestAlgorithm(digest: string): string {
  const algorithm = digest.slice(0, digest.indexOf(":"));
  if (algorithm !== "sha256" && algorithm !== "sha512") {
    throw new Error(`unsupported digest algorithm in ${JSON.stringify(digest)}`);
  }
  return algorithm;
}
