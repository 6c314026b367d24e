/** Bytes sniffed to tell text from binary: what the walk offers `acceptsContent` at most. */
export const SNIFF_BYTES = 8 * 1024;

/** More control bytes than this share of the sniffed head: not text (UTF-16 and binaries). */
const MAX_CONTROL_RATIO = 0.1;

/** Control characters are counted in this much of the head: enough to tell, cheap in a JS loop. */
const RATIO_BYTES = 1024;

/**
 * Heuristic used by file(1) and git: a NUL byte in the head or many control characters mean
 * binary. Bytes >= 0x80 count as text so UTF-8 and Latin-1 files pass. The NUL search is native;
 * the per-byte loop only looks at the first KiB.
 */
export function looksLikeText(head: Buffer): boolean {
  const nul = head.indexOf(0);
  if (nul !== -1 && nul < SNIFF_BYTES) return false;
  const end = Math.min(head.length, RATIO_BYTES);
  let control = 0;
  for (let i = 0; i < end; i++) {
    const b = head[i] as number;
    if (b === 0) return false;
    // Tab, LF, VT, FF, CR and ESC (ANSI colours in logs) are text.
    if (b < 32 && (b < 9 || b > 13) && b !== 27) control += 1;
  }
  return control <= end * MAX_CONTROL_RATIO;
}
