import { stat } from "node:fs/promises";
import { alpineSecdbToAdvisories } from "./alpine-secdb.js";
import { debianTrackerToAdvisories } from "./debian-tracker.js";
import { importEpss, kevToEnrichments, nvdToEnrichments } from "./enrichment.js";
import { ImportError } from "./errors.js";
import { importOsvJsonLines } from "./osv.js";
import { toAdvisory } from "./osv-schema.js";
import { importOsvZip } from "./osv-zip.js";
import { walkFiles } from "./read-input.js";
import { isRecord, readDocument } from "./source-text.js";
import { type ImportItem, type ImportOptions, resolveLimits } from "./types.js";

export { importAlpineSecdb } from "./alpine-secdb.js";
export { importDebianTracker } from "./debian-tracker.js";
export { normalizeEcosystem } from "./ecosystem.js";
export { importEpss, importKev, importNvd } from "./enrichment.js";
export { ImportError } from "./errors.js";
export { isNotAffected, NOT_AFFECTED_KEY } from "./markers.js";
export { mergeAdvisories } from "./merge.js";
export { importOsv, importOsvDirectory, importOsvFile, importOsvJsonLines } from "./osv.js";
export { importOsvZip } from "./osv-zip.js";
export { DEFAULT_IMPORT_LIMITS, type ImportItem, type ImportLimits, type ImportOptions } from "./types.js";

export type DocumentFormat = "osv" | "alpine-secdb" | "debian-tracker" | "nvd" | "kev";

/**
 * Imports any supported source, the format told by the path (.zip, .jsonl[.gz], .csv[.gz]) or,
 * for JSON/YAML documents, by their content. A directory is walked recursively and each file
 * imported the same way; there a file that cannot be read is a warning, not an error.
 */
export async function* importSource(path: string, options?: ImportOptions): AsyncGenerator<ImportItem> {
  const info = await stat(path).catch((err: unknown) => {
    throw new ImportError(`cannot open ${path}`, { cause: err });
  });
  if (!info.isDirectory()) {
    yield* importFile(path, options);
    return;
  }
  for await (const file of walkFiles(path, resolveLimits(options).maxDirectoryFiles)) {
    if (!/\.(json|ya?ml|jsonl|zip|csv)(\.gz)?$/i.test(file)) continue;
    try {
      yield* importFile(file, options);
    } catch (err) {
      yield { warning: `${file}: skipped: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
}

async function* importFile(path: string, options?: ImportOptions): AsyncGenerator<ImportItem> {
  if (/\.zip$/i.test(path)) return yield* importOsvZip(path, options);
  if (/\.jsonl(\.gz)?$/i.test(path)) return yield* importOsvJsonLines(path, options);
  if (/\.csv(\.gz)?$/i.test(path)) return yield* importEpss(path, options);
  const { value, mtime } = await readDocument(path, resolveLimits(options).maxFileBytes);
  const modified = options?.modified ?? mtime;
  switch (detectDocument(value)) {
    case "osv":
      if (Array.isArray(value)) {
        for (const [i, item] of value.entries()) yield toAdvisory(item, `${path}[${i}]`);
      } else {
        yield toAdvisory(value, path);
      }
      return;
    case "alpine-secdb":
      return yield* alpineSecdbToAdvisories(value, path, modified);
    case "debian-tracker":
      return yield* debianTrackerToAdvisories(value, path, modified);
    case "nvd":
      return yield* nvdToEnrichments(value, path);
    case "kev":
      return yield* kevToEnrichments(value, path);
    default:
      yield { warning: `${path}: skipped: not a recognised advisory format` };
  }
}

/** Tells a parsed JSON/YAML document's format from its top-level shape. */
export function detectDocument(value: unknown): DocumentFormat | undefined {
  if (Array.isArray(value)) return "osv";
  if (!isRecord(value)) return undefined;
  if (typeof value.id === "string" && "modified" in value) return "osv";
  if ("distroversion" in value) return "alpine-secdb";
  if (Array.isArray(value.vulnerabilities)) {
    if ("catalogVersion" in value) return "kev";
    const first: unknown = value.vulnerabilities[0];
    if (isRecord(first) && "cveID" in first) return "kev";
    if (isRecord(first) && isRecord(first.cve)) return "nvd";
    return "format" in value || "resultsPerPage" in value ? "nvd" : undefined;
  }
  // package → id → {releases}: look at the first few packages only.
  let seen = 0;
  for (const vulns of Object.values(value)) {
    if (seen++ >= 5) break;
    if (!isRecord(vulns)) return undefined;
    const entry = Object.values(vulns)[0];
    if (isRecord(entry) && "releases" in entry) return "debian-tracker";
  }
  return undefined;
}
