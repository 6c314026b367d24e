import { createWarningCollector, decodeDatabaseText } from "../text-database.js";
import type { InstalledFiles, PackageFinding } from "../types.js";

export interface ApkInstalledResult {
  packages: PackageFinding[];
  warnings: string[];
  /** Files each package installed (F: directory + R: file name), for ownership of language packages. */
  files: InstalledFiles[];
}

interface ApkRecord {
  line: number;
  fields: number;
  name?: string;
  version?: string;
  origin?: string;
  arch?: string;
  license?: string;
  checksum?: string;
  maintainer?: string;
  directory?: string;
  paths: string[];
}

/**
 * Parses apk's `lib/apk/db/installed`: records separated by blank lines, each line `X:value` with a
 * one-letter key. The package header keys are kept, and the file list (F: directory, R: file in it);
 * ownership and checksum lines (a, M, Z, ...) are skipped.
 * The license stays one string: "MIT AND BSD-2-Clause" is a single SPDX expression, not two licenses.
 */
export function parseApkInstalled(input: Buffer | string): ApkInstalledResult {
  const text = decodeDatabaseText(input);

  const packages: PackageFinding[] = [];
  const files: InstalledFiles[] = [];
  const collector = createWarningCollector();
  const warn = collector.warn;

  let malformed = 0;
  let lineNo = 0;
  let record: ApkRecord = { line: 1, fields: 0, paths: [] };
  const finish = (): void => {
    if (record.fields === 0) return;
    const finding = toFinding(record, warn);
    if (!finding) return;
    packages.push(finding);
    if (record.paths.length > 0)
      files.push({ owner: { ecosystem: "apk", name: finding.name }, paths: record.paths });
  };

  const length = text.length;
  let pos = 0;
  while (pos < length) {
    let end = text.indexOf("\n", pos);
    if (end === -1) end = length;
    lineNo++;
    if (end === pos) {
      finish();
      record = { line: lineNo + 1, fields: 0, paths: [] };
    } else if (end - pos < 2 || text.charCodeAt(pos + 1) !== 58 /* ":" */) {
      malformed++;
    } else {
      record.fields++;
      setField(record, text[pos] as string, text.slice(pos + 2, end).trim());
    }
    pos = end + 1;
  }
  finish();

  if (malformed > 0) warn(`${malformed} malformed line(s) ignored`);
  const warnings = collector.list();
  return { packages, warnings, files };
}

function setField(record: ApkRecord, key: string, value: string): void {
  if (value === "") return;
  switch (key) {
    case "P":
      record.name ??= value;
      break;
    case "V":
      record.version ??= value;
      break;
    case "o":
      record.origin ??= value;
      break;
    case "A":
      record.arch ??= value;
      break;
    case "L":
      record.license ??= value;
      break;
    case "C":
      record.checksum ??= value;
      break;
    case "m":
      record.maintainer ??= value;
      break;
    case "F":
      record.directory = value;
      break;
    case "R":
      // A file line belongs to the directory line above it; one before any F: is at the root.
      record.paths.push(record.directory ? `${record.directory}/${value}` : value);
      break;
  }
}

function toFinding(record: ApkRecord, warn: (message: string) => void): PackageFinding | undefined {
  const { name, version } = record;
  if (!name) {
    warn(`record at line ${record.line}: no P: (name); skipped`);
    return undefined;
  }
  if (!version) {
    warn(`package ${name} (line ${record.line}): no V: (version); skipped`);
    return undefined;
  }
  // Advisories (secdb) are keyed by origin, the aport that built the package.
  const finding: PackageFinding = {
    ecosystem: "apk",
    name,
    version,
    source: { name: record.origin ?? name, version },
  };
  if (record.arch) finding.arch = record.arch;
  if (record.license) finding.licenses = [record.license];
  if (record.maintainer) finding.maintainer = record.maintainer;
  if (record.checksum) finding.checksum = record.checksum;
  return finding;
}
