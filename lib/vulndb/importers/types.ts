import type { Advisory, Enrichment } from "../advisory.js";

/** One item of an import: a record, an enrichment, or a warning about something skipped. */
export interface ImportItem {
  advisory?: Advisory;
  enrichment?: Enrichment;
  warning?: string;
}

export interface ImportLimits {
  /** Bytes of one record: one JSON/YAML advisory file, one JSON line, one zip entry. */
  maxRecordBytes: number;
  /** Bytes of one file read whole (after gunzip): tracker JSON, secdb, NVD/KEV feeds. */
  maxFileBytes: number;
  /** Decompressed bytes streamed from one .jsonl(.gz) or .csv(.gz) file. */
  maxStreamBytes: number;
  /** Entries of one zip export and the inflated bytes of all of them. */
  maxZipEntries: number;
  maxZipBytes: number;
  /** Files visited under one directory. */
  maxDirectoryFiles: number;
}

const MiB = 1024 * 1024;

/**
 * Sized for the real feeds: the biggest OSV records (Linux kernel, Ubuntu) are a few MiB, the
 * Debian tracker JSON ~100 MiB, an NVD year feed ~150 MiB, OSV's all.zip ~600k entries / ~6 GiB.
 */
export const DEFAULT_IMPORT_LIMITS: ImportLimits = {
  maxRecordBytes: 16 * MiB,
  maxFileBytes: 512 * MiB,
  maxStreamBytes: 16 * 1024 * MiB,
  maxZipEntries: 2_000_000,
  maxZipBytes: 16 * 1024 * MiB,
  maxDirectoryFiles: 2_000_000,
};

export interface ImportOptions {
  limits?: Partial<ImportLimits>;
  /**
   * `modified` for records whose source has no timestamp (Alpine secdb, Debian tracker);
   * defaults to the input file's mtime.
   */
  modified?: string;
}

export function resolveLimits(options?: ImportOptions): ImportLimits {
  return { ...DEFAULT_IMPORT_LIMITS, ...options?.limits };
}
