import { createWarningCollector, decodeDatabaseText } from "../text-database.js";
import type { PackageFinding } from "../types.js";

export interface DpkgStatusResult {
  packages: PackageFinding[];
  warnings: string[];
  /** False when the file is in the same format but is not a dpkg database (e.g. vcpkg's status). */
  isDpkg: boolean;
}

/** One stanza's fields of interest; everything else (Description, Depends, ...) is skipped unread. */
interface Stanza {
  line: number;
  fields: number;
  package?: string;
  version?: string;
  status?: string;
  source?: string;
  arch?: string;
  maintainer?: string;
  /** Carries a field only vcpkg writes (Abi, Feature, Type). */
  vcpkgField: boolean;
}

type Field = "package" | "version" | "status" | "source" | "arch" | "maintainer" | "vcpkg-only";

// deb822 field names are case-insensitive; dpkg writes them capitalised, so the exact key usually hits.
const FIELDS: ReadonlyMap<string, Field> = new Map<string, Field>([
  ["package", "package"],
  ["version", "version"],
  ["status", "status"],
  ["source", "source"],
  ["architecture", "arch"],
  ["maintainer", "maintainer"],
  ["abi", "vcpkg-only"],
  ["feature", "vcpkg-only"],
  ["type", "vcpkg-only"],
  ["Package", "package"],
  ["Version", "version"],
  ["Status", "status"],
  ["Source", "source"],
  ["Architecture", "arch"],
  ["Maintainer", "maintainer"],
  ["Abi", "vcpkg-only"],
  ["Feature", "vcpkg-only"],
  ["Type", "vcpkg-only"],
]);

/**
 * The third Status word (want, error flag, state). Files are on disk in these states, so the
 * package's code is in the image; "config-files", "not-installed" and "half-installed" are not.
 */
const PRESENT_STATES: ReadonlySet<string> = new Set([
  "installed",
  "triggers-pending",
  "triggers-awaited",
  "half-configured",
  "unpacked",
]);

/**
 * Parses a dpkg `status` file or one distroless `status.d/<name>` file. Stanzas are split on
 * blank lines with indexOf over one string (no per-line regex), so large databases parse in
 * milliseconds. A stanza without a Status line counts as installed (status.d has none).
 */
export function parseDpkgStatus(input: Buffer | string): DpkgStatusResult {
  const text = decodeDatabaseText(input);

  const packages: PackageFinding[] = [];
  const collector = createWarningCollector();
  const warn = collector.warn;

  let malformed = 0;
  let sawMaintainer = false;
  let sawVcpkgField = false;
  let stanza: Stanza = { line: 1, fields: 0, vcpkgField: false };
  let lineNo = 0;

  const finish = (): void => {
    if (stanza.fields === 0) return;
    sawMaintainer ||= stanza.maintainer !== undefined;
    sawVcpkgField ||= stanza.vcpkgField;
    const finding = toFinding(stanza, warn);
    if (finding) packages.push(finding);
  };

  const length = text.length;
  let pos = 0;
  while (pos < length) {
    let end = text.indexOf("\n", pos);
    if (end === -1) end = length;
    lineNo++;
    const first = text.charCodeAt(pos);
    if (first === 32 || first === 9) {
      // A continuation line (Description, Conffiles, ...) or a whitespace-only separator line.
      if (isBlank(text, pos, end)) {
        finish();
        stanza = { line: lineNo + 1, fields: 0, vcpkgField: false };
      }
    } else if (end === pos) {
      finish();
      stanza = { line: lineNo + 1, fields: 0, vcpkgField: false };
    } else {
      const colon = indexOfColon(text, pos, end);
      if (colon === -1) {
        malformed++;
      } else {
        const key = text.slice(pos, colon);
        stanza.fields++;
        const field = FIELDS.get(key) ?? FIELDS.get(key.toLowerCase());
        if (field !== undefined) setField(stanza, field, text.slice(colon + 1, end).trim());
      }
    }
    pos = end + 1;
  }
  finish();

  if (malformed > 0) warn(`${malformed} malformed line(s) ignored`);
  const warnings = collector.list();

  // vcpkg writes dpkg-style stanzas (Package, Version, Architecture: x64-windows, Status) but never
  // a Maintainer, and always Abi/Type/Feature, which dpkg does not know. Both signs together are
  // required so that an odd real database missing Maintainer lines is still read.
  if (!sawMaintainer && sawVcpkgField) {
    return {
      packages: [],
      warnings: ["not a dpkg database: stanzas carry vcpkg fields (Abi/Type/Feature) and no Maintainer"],
      isDpkg: false,
    };
  }
  return { packages, warnings, isDpkg: true };
}

/** Bounded by the line end: an unbounded indexOf on colon-free junk would rescan the file per line. */
function indexOfColon(text: string, start: number, end: number): number {
  for (let i = start; i < end; i++) if (text.charCodeAt(i) === 58) return i;
  return -1;
}

function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

function setField(stanza: Stanza, field: Field, value: string): void {
  // dpkg rejects duplicate fields; keep the first rather than guess.
  switch (field) {
    case "package":
      stanza.package ??= value;
      break;
    case "version":
      stanza.version ??= value;
      break;
    case "status":
      stanza.status ??= value;
      break;
    case "source":
      stanza.source ??= value;
      break;
    case "arch":
      stanza.arch ??= value;
      break;
    case "maintainer":
      stanza.maintainer ??= value;
      break;
    case "vcpkg-only":
      stanza.vcpkgField = true;
      break;
  }
}

function isPresent(status: string | undefined): boolean {
  if (status === undefined || status === "") return true;
  const words = status.split(/\s+/);
  return PRESENT_STATES.has(words[words.length - 1] as string);
}

function toFinding(stanza: Stanza, warn: (message: string) => void): PackageFinding | undefined {
  const { package: name, version } = stanza;
  if (!name) {
    warn(`stanza at line ${stanza.line}: no Package name; skipped`);
    return undefined;
  }
  if (!version) {
    warn(`package ${name} (line ${stanza.line}): no Version; skipped`);
    return undefined;
  }
  if (!isPresent(stanza.status)) return undefined;
  const finding: PackageFinding = {
    ecosystem: "deb",
    name,
    version,
    source: parseSource(stanza.source, name, version),
  };
  if (stanza.arch) finding.arch = stanza.arch;
  if (stanza.maintainer) finding.maintainer = stanza.maintainer;
  return finding;
}

/**
 * "Source: openssl (1.1.1n-0+deb11u5)" names the source and its version when they differ from the
 * binary's (binNMUs, versioned binaries); a bare "Source: openssl" shares the binary version; no
 * Source line means the source package has the binary's name.
 */
export function parseSource(
  field: string | undefined,
  name: string,
  version: string,
): { name: string; version: string } {
  if (!field) return { name, version };
  const open = field.indexOf("(");
  if (open === -1) return { name: field, version };
  const close = field.indexOf(")", open);
  const sourceName = field.slice(0, open).trim() || name;
  const sourceVersion = field.slice(open + 1, close === -1 ? field.length : close).trim() || version;
  return { name: sourceName, version: sourceVersion };
}
