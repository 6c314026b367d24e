import { z } from "zod";
import type { DbMetadata, SourceInfo } from "../db/metadata.js";
import { DbPublishError } from "./errors.js";

/** Where one published build lives in the DB bucket. */
export interface PublishedRef {
  builtAt: string;
  key: string;
  sha256: string;
}

/**
 * `<prefix>manifest.json` (the current build) and `<prefix>versions/<stamp>.json` (each kept
 * build): what the updater compares the next build with, and what an operator rolls back by.
 */
export interface DbManifest {
  manifestVersion: 1;
  schemaVersion: number;
  formatVersion: number;
  builtAt: string;
  /** The versioned DB object; the current key the workers read is a copy of it. */
  key: string;
  sha256: string;
  size: number;
  /** The advisory index (ids, digests, ecosystems) the next update diffs against. */
  indexKey: string;
  counts: DbMetadata["counts"];
  sources: SourceInfo[];
  /** The build this one replaced, if any. */
  previous?: PublishedRef;
}

const ecosystemCounts = z.object({ advisories: z.number(), packages: z.number() });

const manifestSchema = z.object({
  manifestVersion: z.literal(1),
  schemaVersion: z.number().int(),
  formatVersion: z.number().int(),
  builtAt: z.string(),
  key: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  indexKey: z.string(),
  counts: z.object({
    advisories: z.number(),
    withdrawn: z.number(),
    packages: z.number(),
    aliases: z.number(),
    enrichments: z.number(),
    ecosystems: z.record(z.string(), ecosystemCounts),
  }),
  sources: z.array(z.looseObject({ name: z.string() })),
  previous: z.object({ builtAt: z.string(), key: z.string(), sha256: z.string() }).optional(),
});

export function parseManifest(bytes: Buffer | string, where: string): DbManifest {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString());
  } catch (err) {
    throw new DbPublishError(`${where} is not JSON`, { cause: err });
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DbPublishError(`${where} is not a DB manifest: ${issue?.path.join(".")}: ${issue?.message}`);
  }
  return parsed.data as DbManifest;
}

/** The object layout under one prefix (default `db/`). */
export interface DbLayout {
  manifestKey: string;
  versionsPrefix: string;
  versionKey(builtAt: string): string;
  indexKey(builtAt: string): string;
  versionManifestKey(builtAt: string): string;
}

/** An ISO time made key-safe and still sorting in time order: `2025-01-10T12-00-00-000Z`. */
export function versionStamp(builtAt: string): string {
  return builtAt.replace(/[:.]/g, "-");
}

export function dbLayout(prefix = "db/"): DbLayout {
  const versions = `${prefix}versions/`;
  return {
    manifestKey: `${prefix}manifest.json`,
    versionsPrefix: versions,
    versionKey: (builtAt) => `${versions}${versionStamp(builtAt)}.db`,
    indexKey: (builtAt) => `${versions}${versionStamp(builtAt)}.index.json.gz`,
    versionManifestKey: (builtAt) => `${versions}${versionStamp(builtAt)}.json`,
  };
}
