import { open } from "node:fs/promises";

/**
 * `"node.js/" NODE_VERSION`, the inspector's Browser string, is compiled into every node build
 * that has the inspector (syft keys on the same bytes). Official release builds also embed their
 * source URL, `…/download/release/vX.Y.Z/…`, used when the first is missing.
 */
const INSPECTOR = Buffer.from("node.js/v");
const RELEASE_URL = Buffer.from("/download/release/v");
const VERSION = /^\d{1,4}\.\d{1,4}\.\d{1,4}(?:-[0-9A-Za-z.]{1,32})?$/;
/** Longest tail read after a marker: a version with a pre-release tag, plus its terminator. */
const TAIL = 48;
const OVERLAP = RELEASE_URL.length + TAIL + 1;
const CHUNK = 4 * 1024 * 1024;

interface Found {
  inspector?: string;
  release?: string;
}

/** The version a node binary was built as, from its bytes. */
export function nodeVersionInBuffer(bytes: Buffer): string | undefined {
  const found: Found = {};
  scan(bytes, found);
  return found.inspector ?? found.release;
}

/** The same, reading a (spilled) binary in chunks so that memory stays flat. */
export async function nodeVersionInFile(file: string): Promise<string | undefined> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(CHUNK + OVERLAP);
    const found: Found = {};
    let carried = 0;
    let position = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, carried, CHUNK, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const filled = carried + bytesRead;
      scan(buffer.subarray(0, filled), found);
      if (found.inspector) return found.inspector;
      // Keep the tail: a marker cut by the chunk boundary is found whole in the next round.
      carried = Math.min(OVERLAP, filled);
      buffer.copy(buffer, 0, filled - carried, filled);
    }
    return found.release;
  } finally {
    await handle.close();
  }
}

function scan(bytes: Buffer, found: Found): void {
  if (!found.inspector) found.inspector = firstVersion(bytes, INSPECTOR, 0);
  // "/": the URL goes on with "/node-vX.Y.Z.tar.gz".
  if (!found.inspector && !found.release) found.release = firstVersion(bytes, RELEASE_URL, 0x2f);
}

/** The first marker followed by a well-formed version and then `terminator` (NUL or "/"). */
function firstVersion(bytes: Buffer, marker: Buffer, terminator: number): string | undefined {
  let at = bytes.indexOf(marker);
  while (at !== -1) {
    const start = at + marker.length;
    // Bounded: an unbounded search for the terminator would rescan junk once per marker.
    const length = bytes.subarray(start, start + TAIL + 1).indexOf(terminator);
    if (length > 0) {
      const candidate = bytes.toString("latin1", start, start + length);
      if (VERSION.test(candidate)) return candidate;
    }
    at = bytes.indexOf(marker, start);
  }
  return undefined;
}
