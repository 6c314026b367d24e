import { inflateSync } from "node:zlib";

/**
 * zlib-inflates at most `maxOutput` bytes: a bomb stops at the cap (zlib checks as it goes) and
 * becomes a reason string instead of an allocation the size of the claim.
 */
export function inflateCapped(compressed: Buffer, maxOutput: number): { bytes: Buffer } | { error: string } {
  try {
    return { bytes: inflateSync(compressed, { maxOutputLength: maxOutput }) };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ERR_BUFFER_TOO_LARGE") return { error: `inflates to more than ${maxOutput} bytes` };
    return { error: `is not valid zlib data (${err instanceof Error ? err.message : String(err)})` };
  }
}
