import { ZipError } from "../../analyzers/archive/zip-errors.js";
import { DEFAULT_ZIP_LIMITS, ZipBudget } from "../../analyzers/archive/zip-limits.js";
import { runAsync } from "../../analyzers/archive/zip-ops.js";
import { readZipDirectory, readZipEntry } from "../../analyzers/archive/zip-reader.js";
import { FileRandomAccess } from "../../analyzers/random-access.js";
import { ImportError } from "./errors.js";
import { parseOsvText } from "./osv-schema.js";
import { type ImportItem, type ImportOptions, resolveLimits } from "./types.js";

/**
 * An OSV export zip (https://osv-vulnerabilities.storage.googleapis.com/<ecosystem>/all.zip): one
 * JSON file per record. Entries are read one at a time through the bounded zip reader, so memory
 * holds one record; a bad entry is a warning, a broken archive ends the import with one.
 */
export async function* importOsvZip(path: string, options?: ImportOptions): AsyncGenerator<ImportItem> {
  const limits = resolveLimits(options);
  const budget = new ZipBudget({
    ...DEFAULT_ZIP_LIMITS,
    maxEntries: limits.maxZipEntries,
    maxTotalEntries: limits.maxZipEntries,
    // ~100 bytes of central directory per entry of a real export.
    maxCentralDirectoryBytes: Math.max(
      DEFAULT_ZIP_LIMITS.maxCentralDirectoryBytes,
      limits.maxZipEntries * 256,
    ),
    maxEntrySize: limits.maxRecordBytes,
    maxTotalInflatedBytes: limits.maxZipBytes,
    maxDepth: 0,
  });
  const source = await FileRandomAccess.open(path).catch((err: unknown) => {
    throw new ImportError(`cannot open ${path}`, { cause: err });
  });
  try {
    let dir: Awaited<ReturnType<typeof readDirectory>>;
    try {
      dir = await readDirectory(source, budget);
    } catch (err) {
      yield { warning: `${path}: not a readable zip archive: ${(err as Error).message}` };
      return;
    }
    for (const entry of dir.entries) {
      if (entry.isDirectory) continue;
      const yaml = /\.ya?ml$/i.test(entry.name);
      if (!yaml && !/\.json$/i.test(entry.name)) continue;
      const where = `${path}!${entry.name}`;
      let bytes: Buffer;
      try {
        bytes = await runAsync(readZipEntry(dir, entry, budget), source);
      } catch (err) {
        if (err instanceof ZipError && err.scope !== "entry") {
          yield { warning: `${where}: import stopped: ${err.message}` };
          return;
        }
        yield { warning: `${where}: skipped: ${(err as Error).message}` };
        continue;
      }
      yield* parseOsvText(bytes.toString("utf8"), where, yaml);
    }
  } finally {
    await source.close();
  }
}

function readDirectory(source: FileRandomAccess, budget: ZipBudget) {
  return runAsync(readZipDirectory(source.size, budget), source);
}
