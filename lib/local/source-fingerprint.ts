import { createHash } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { SourceError } from "../errors.js";

/**
 * A digest of every file under the sources (path, size, mtime): cheap enough to take on every
 * tick, and it changes when a feed file is added, removed, rewritten or touched. A missing source
 * is an error, not an empty one, so a mistyped path does not silently build an empty DB.
 */
export async function fingerprintSources(paths: readonly string[]): Promise<string> {
  const lines: string[] = [];
  for (const path of paths) {
    const root = resolve(path);
    const info = await stat(root).catch((err: NodeJS.ErrnoException) => {
      throw new SourceError(`source ${path} cannot be read (${err.code ?? err.message})`, { cause: err });
    });
    if (!info.isDirectory()) {
      lines.push(line(root, info));
      continue;
    }
    const entries = await readdir(root, { recursive: true, withFileTypes: true });
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const file = join(entry.parentPath, entry.name);
      // A file removed between readdir and stat is simply not part of this fingerprint.
      const fileInfo = await stat(file).catch(() => undefined);
      if (fileInfo) lines.push(line(file, fileInfo));
    }
  }
  return createHash("sha256").update(lines.sort().join("\n")).digest("hex");
}

function line(path: string, info: { size: number; mtimeMs: number }): string {
  return `${path}\u0000${info.size}\u0000${info.mtimeMs}`;
}
