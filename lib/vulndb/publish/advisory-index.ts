import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import type { Advisory } from "../advisory.js";
import { scanAdvisories } from "../db/db-reader.js";
import { normalizeEcosystem } from "../db/package-key.js";
import type { RangeSource } from "../db/range-source.js";
import { DbPublishError } from "./errors.js";

/** What the diff needs of one advisory: a content digest and the ecosystems it touches. */
export interface IndexEntry {
  digest: string;
  ecosystems: string[];
}

/** Advisory id → entry; stored beside each published DB so the next update diffs cheaply. */
export type AdvisoryIndex = Map<string, IndexEntry>;

/** The bucket for advisories that name no package (a withdrawn stub, an alias-only record). */
export const NO_ECOSYSTEM = "none";

const INDEX_VERSION = 1;

/**
 * The base ecosystems an advisory affects ("Debian", not "Debian:12"): what a consumer routes on.
 * Spelled as the DB keys spell them, so the names match the metadata counts.
 */
export function ecosystemsOf(advisory: Advisory): string[] {
  const names = new Set<string>();
  for (const affected of advisory.affected ?? []) {
    const ecosystem = affected.package?.ecosystem;
    if (!ecosystem) continue;
    names.add(normalizeEcosystem(ecosystem).split(":")[0] as string);
  }
  return names.size > 0 ? [...names].sort() : [NO_ECOSYSTEM];
}

/**
 * A digest of the record's content, not its `modified` time: merged distro advisories (one per
 * release file) can change without touching `modified`, and the Alpine and Debian importers stamp
 * `modified` with the download time, which would mark every one of them changed on every run.
 */
export function digestOf(advisory: Advisory): string {
  const { modified: _modified, ...content } = advisory;
  return createHash("sha256").update(JSON.stringify(content)).digest("hex").slice(0, 16);
}

export async function indexDatabase(source: RangeSource): Promise<AdvisoryIndex> {
  const index: AdvisoryIndex = new Map();
  for await (const advisory of scanAdvisories(source)) {
    index.set(advisory.id, { digest: digestOf(advisory), ecosystems: ecosystemsOf(advisory) });
  }
  return index;
}

/** gzip of `{version, advisories: [[id, digest, ...ecosystems]]}`, ids sorted: deterministic bytes. */
export function encodeIndex(index: AdvisoryIndex): Buffer {
  const rows = [...index.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, entry]) => [id, entry.digest, ...entry.ecosystems]);
  return gzipSync(JSON.stringify({ version: INDEX_VERSION, advisories: rows }));
}

export function decodeIndex(bytes: Buffer): AdvisoryIndex {
  let parsed: unknown;
  try {
    parsed = JSON.parse(gunzipSync(bytes).toString("utf8"));
  } catch (err) {
    throw new DbPublishError("advisory index is not gzipped JSON", { cause: err });
  }
  const body = parsed as { version?: unknown; advisories?: unknown };
  if (body?.version !== INDEX_VERSION || !Array.isArray(body.advisories)) {
    throw new DbPublishError(`advisory index version ${String(body?.version)} is not supported`);
  }
  const index: AdvisoryIndex = new Map();
  for (const row of body.advisories as unknown[]) {
    if (!Array.isArray(row) || row.length < 3 || !row.every((cell) => typeof cell === "string")) {
      throw new DbPublishError("advisory index has a malformed row");
    }
    const [id, digest, ...ecosystems] = row as string[];
    index.set(id as string, { digest: digest as string, ecosystems });
  }
  return index;
}
