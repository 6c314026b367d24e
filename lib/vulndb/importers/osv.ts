import { stat } from "node:fs/promises";
import { extname } from "node:path";
import { ImportError } from "./errors.js";
import { parseOsvText, toAdvisory } from "./osv-schema.js";
import { importOsvZip } from "./osv-zip.js";
import { readWholeText, streamLines, walkFiles } from "./read-input.js";
import { type ImportItem, type ImportOptions, resolveLimits } from "./types.js";

/**
 * OSV input in every published shape: one record per .json/.yaml file (or a JSON array of
 * records), a directory tree of them, a per-ecosystem .zip export, and .jsonl(.gz) lines.
 * A bad record is skipped with a warning naming it; only an unreadable input throws.
 */
export async function* importOsv(path: string, options?: ImportOptions): AsyncGenerator<ImportItem> {
  const info = await stat(path).catch((err: unknown) => {
    throw new ImportError(`cannot open ${path}`, { cause: err });
  });
  if (info.isDirectory()) yield* importOsvDirectory(path, options);
  else if (/\.zip$/i.test(path)) yield* importOsvZip(path, options);
  else if (/\.jsonl(\.gz)?$/i.test(path)) yield* importOsvJsonLines(path, options);
  else yield* importOsvFile(path, options);
}

export async function* importOsvDirectory(dir: string, options?: ImportOptions): AsyncGenerator<ImportItem> {
  const limits = resolveLimits(options);
  for await (const file of walkFiles(dir, limits.maxDirectoryFiles)) {
    const ext = extname(file).toLowerCase();
    if (ext === ".json" || ext === ".yaml" || ext === ".yml") yield* importOsvFile(file, options);
    else if (/\.jsonl(\.gz)?$/i.test(file)) yield* importOsvJsonLines(file, options);
  }
}

/** One .json or .yaml file (optionally gzipped) holding a record or an array of records. */
export async function* importOsvFile(path: string, options?: ImportOptions): AsyncGenerator<ImportItem> {
  const limits = resolveLimits(options);
  let text: string;
  try {
    text = await readWholeText(path, limits.maxRecordBytes);
  } catch (err) {
    yield { warning: `${path}: skipped: ${err instanceof Error ? err.message : String(err)}` };
    return;
  }
  yield* parseOsvText(text, path, /\.ya?ml(\.gz)?$/i.test(path));
}

/** One record per line, streamed; blank lines are ignored. */
export async function* importOsvJsonLines(path: string, options?: ImportOptions): AsyncGenerator<ImportItem> {
  const limits = resolveLimits(options);
  for await (const item of streamLines(path, limits.maxRecordBytes, limits.maxStreamBytes)) {
    if ("error" in item) {
      yield { warning: item.error };
    } else if ("tooLong" in item) {
      yield { warning: `${path}:${item.lineNo}: skipped: line longer than ${limits.maxRecordBytes} bytes` };
    } else if (item.line.trim() !== "") {
      let value: unknown;
      try {
        value = JSON.parse(item.line);
      } catch (err) {
        yield { warning: `${path}:${item.lineNo}: skipped: not valid JSON (${(err as Error).message})` };
        continue;
      }
      yield toAdvisory(value, `${path}:${item.lineNo}`);
    }
  }
}
