import { promisify } from "node:util";
import { brotliCompress, brotliDecompress, constants } from "node:zlib";
import { VulnDbError } from "./errors.js";

const compressAsync = promisify(brotliCompress);
const decompressAsync = promisify(brotliDecompress);

/** Quality 6: on the Go OSV export ~70x faster than q11 for 12% more bytes (q9 is no smaller). */
export const DEFAULT_QUALITY = 6;

export function compress(bytes: Buffer, quality = DEFAULT_QUALITY): Promise<Buffer> {
  return compressAsync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: quality,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
    },
  });
}

/** `limit` caps the output so a corrupt or hostile length cannot balloon memory. */
export async function decompress(bytes: Buffer, limit: number, what: string): Promise<Buffer> {
  try {
    return await decompressAsync(bytes, { maxOutputLength: Math.max(limit, 1) });
  } catch (err) {
    throw new VulnDbError(`${what} does not decompress`, { cause: err });
  }
}
