/** The DB's metadata section (JSON), read at open and shown by `portcullis db info`. */

/** Bumped when the meaning of the stored records or indexes changes (not the byte layout). */
export const SCHEMA_VERSION = 1;

export interface SourceInfo {
  name: string;
  url?: string;
  /** When the source was downloaded (ISO 8601). */
  fetchedAt?: string;
  /** The newest `modified` the source itself reports (ISO 8601). */
  modified?: string;
  /** How many records the source contributed; filled by the caller, who knows the split. */
  records?: number;
}

export interface EcosystemCounts {
  /** Advisories with at least one affected package in this ecosystem (withdrawn excluded). */
  advisories: number;
  /** Distinct (ecosystem, name) keys. */
  packages: number;
}

export interface DbMetadata {
  schemaVersion: number;
  formatVersion: number;
  /** The OSV schema the records follow. */
  osvSchemaVersion: string;
  builtAt: string;
  sources: SourceInfo[];
  counts: {
    advisories: number;
    withdrawn: number;
    packages: number;
    aliases: number;
    enrichments: number;
    ecosystems: Record<string, EcosystemCounts>;
  };
  layout: {
    compression: "brotli";
    blocks: number;
    blockSize: number;
    pageSize: number;
    pages: Record<string, number>;
  };
}
