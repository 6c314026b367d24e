import { createWarningCollector } from "../text-database.js";
import type { InstalledFiles, PackageFinding } from "../types.js";
import { isBdbHashDatabase, readBdbPackageBlobs } from "./bdb-reader.js";
import { isNdbDatabase, readNdbPackageBlobs } from "./ndb-reader.js";
import { RpmDatabaseError, type Warn } from "./rpm-database-error.js";
import { parseRpmHeader } from "./rpm-header.js";
import { rpmHeaderFiles } from "./rpm-header-files.js";
import { rpmHeaderToPackage } from "./rpm-header-package.js";
import { isSqliteDatabase, openSqliteDatabase } from "./sqlite-reader.js";

export type RpmDatabaseFormat = "sqlite" | "ndb" | "bdb";

export interface RpmDatabaseResult {
  packages: PackageFinding[];
  /** Files each package installed, for ownership of language packages. */
  files: InstalledFiles[];
  warnings: string[];
  /** Undefined when the bytes are none of the three formats. */
  format?: RpmDatabaseFormat;
  /** Header blobs found, including gpg-pubkey and unreadable ones. */
  headers: number;
}

/** rpm has used three stores; the file's magic, not its name, says which this is. */
export function detectRpmDatabaseFormat(bytes: Buffer): RpmDatabaseFormat | undefined {
  if (isSqliteDatabase(bytes)) return "sqlite";
  if (isNdbDatabase(bytes)) return "ndb";
  if (isBdbHashDatabase(bytes)) return "bdb";
  return undefined;
}

/**
 * Lists the packages of an rpm database of any of the three formats. It never throws: a damaged
 * database yields the packages read before (and around) the damage plus warnings, an unreadable one
 * no packages and a warning. gpg-pubkey entries (imported signing keys) are skipped silently.
 */
export function parseRpmDatabase(bytes: Buffer): RpmDatabaseResult {
  const collector = createWarningCollector();
  const warn = collector.warn;
  const packages: PackageFinding[] = [];
  const files: InstalledFiles[] = [];
  const format = detectRpmDatabaseFormat(bytes);
  if (!format) {
    return {
      packages,
      files,
      warnings: ["not an rpm database: neither SQLite, ndb nor Berkeley DB hash"],
      headers: 0,
    };
  }
  let headers = 0;
  try {
    for (const blob of packageBlobs(format, bytes, warn)) {
      headers++;
      try {
        const header = parseRpmHeader(blob);
        const finding = rpmHeaderToPackage(header, warn);
        if (finding) {
          packages.push(finding);
          const paths = rpmHeaderFiles(header);
          if (paths.length > 0) files.push({ owner: { ecosystem: "rpm", name: finding.name }, paths });
        }
      } catch (err) {
        warn(`header ${headers}: ${errorMessage(err)}; skipped`);
      }
    }
  } catch (err) {
    // Only structural damage that stops the reader gets here; what it yielded before is kept.
    warn(`${format} rpm database: ${errorMessage(err)}`);
  }
  return { packages, files, warnings: collector.list(), format, headers };
}

function packageBlobs(format: RpmDatabaseFormat, bytes: Buffer, warn: Warn): Iterable<Buffer> {
  switch (format) {
    case "sqlite":
      return sqlitePackageBlobs(bytes, warn);
    case "ndb":
      return readNdbPackageBlobs(bytes, warn);
    case "bdb":
      return readBdbPackageBlobs(bytes, warn);
  }
}

/** rpm's sqlite backend: `CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)`. */
function* sqlitePackageBlobs(bytes: Buffer, warn: Warn): Generator<Buffer> {
  const db = openSqliteDatabase(bytes);
  // SQLite compares table names case-insensitively.
  const table = db.tables(warn).find((t) => t.name.toLowerCase() === "packages");
  if (!table) throw new RpmDatabaseError("SQLite database has no Packages table");
  let notBlob = 0;
  for (const row of db.rows(table.rootPage, warn)) {
    // hnum is the rowid alias, stored as NULL; the blob is the second column.
    const blob = row[1];
    if (Buffer.isBuffer(blob)) yield blob;
    else notBlob++;
  }
  if (notBlob > 0) warn(`${notBlob} Packages row(s) without a blob skipped`);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
