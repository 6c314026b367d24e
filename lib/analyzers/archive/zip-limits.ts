import { ZipLimitError } from "./zip-errors.js";

/** Caps that keep hostile archives (zip bombs, absurd directories, deep nesting) cheap to reject. */
export interface ZipLimits {
  /** Entries in one archive's central directory. */
  maxEntries: number;
  /** Bytes of one central directory, read whole into memory. */
  maxCentralDirectoryBytes: number;
  /** Inflated bytes of any one entry a caller asks for (callers ask for less for text files). */
  maxEntrySize: number;
  /** Inflated bytes across one file and every archive nested in it. */
  maxTotalInflatedBytes: number;
  /** Central directory entries across one file and every archive nested in it. */
  maxTotalEntries: number;
  /** Archives opened for one file, itself included. */
  maxArchives: number;
  /** Declared inflated/compressed ratio above which a big entry is taken for a bomb. */
  maxRatio: number;
  /** Entries smaller than this inflate cheaply whatever their ratio (tiny files compress well). */
  ratioMinSize: number;
  /** Archives inside archives inside ... the file itself is depth 0. */
  maxDepth: number;
}

const MiB = 1024 * 1024;

/**
 * Real jars: a few thousand entries (shaded ones up to ~100k), nested libraries of a few MiB,
 * class files compressing 2-5:1. Deflate cannot exceed ~1032:1, and nothing worth reading in an
 * archive compresses 200:1 once past a MiB, so the ratio cap only ever meets bombs.
 */
export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 200_000,
  maxCentralDirectoryBytes: 32 * MiB,
  maxEntrySize: 64 * MiB,
  maxTotalInflatedBytes: 256 * MiB,
  maxTotalEntries: 1_000_000,
  maxArchives: 10_000,
  maxRatio: 200,
  ratioMinSize: MiB,
  maxDepth: 4,
};

/** What one file (with its nested archives) may still cost; shared by every archive read for it. */
export class ZipBudget {
  private inflated = 0;
  private entries = 0;
  private archives = 0;

  constructor(readonly limits: ZipLimits = DEFAULT_ZIP_LIMITS) {}

  openArchive(): void {
    this.archives += 1;
    if (this.archives > this.limits.maxArchives) {
      throw new ZipLimitError(`more than ${this.limits.maxArchives} nested archives`, "scan");
    }
  }

  takeEntries(count: number): void {
    this.entries += count;
    if (this.entries > this.limits.maxTotalEntries) {
      throw new ZipLimitError(`more than ${this.limits.maxTotalEntries} entries in all archives`, "scan");
    }
  }

  /** Reserves bytes before they are inflated, so the cap holds before any memory is used. */
  takeBytes(bytes: number): void {
    if (this.inflated + bytes > this.limits.maxTotalInflatedBytes) {
      throw new ZipLimitError(
        `inflating ${bytes} more bytes would pass the ${this.limits.maxTotalInflatedBytes} byte cap`,
        "scan",
      );
    }
    this.inflated += bytes;
  }
}
