import type { PackageFinding } from "../../../lib/analyzers/types.js";
import { readFixture } from "../fixtures.js";

/** One row of an `rpm -qa` listing written by test/fixtures/rpm/make-rpmdbs.sh. */
export interface RpmQaRow {
  name: string;
  epoch: string;
  version: string;
  release: string;
  arch: string;
  sourceRpm: string;
  license: string;
  vendor: string;
  modularityLabel: string;
}

export function readRpmQa(file: string): RpmQaRow[] {
  return readFixture("rpm", file)
    .toString("utf8")
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [name, epoch, version, release, arch, sourceRpm, license, vendor, modularityLabel] =
        line.split("\t");
      return {
        name: name ?? "",
        epoch: epoch ?? "",
        version: version ?? "",
        release: release ?? "",
        arch: arch ?? "",
        sourceRpm: sourceRpm ?? "",
        license: license ?? "",
        vendor: vendor ?? "",
        modularityLabel: modularityLabel ?? "",
      };
    });
}

/** rpm prints "(none)" for an absent tag; an empty tag carries nothing either. */
const present = (value: string): string | undefined =>
  value === "(none)" || value === "" ? undefined : value;

/**
 * The finding the analyzer should produce for an `rpm -qa` row, derived independently of the
 * analyzer's code: epoch prefix whenever rpm prints an epoch (also 0), source from the SOURCERPM
 * file name with the binary's epoch.
 */
export function expectedFinding(row: RpmQaRow): PackageFinding {
  const epoch = present(row.epoch);
  const prefix = epoch === undefined ? "" : `${epoch}:`;
  const version = `${prefix}${row.version}-${row.release}`;
  const src = /^(.+)-([^-]+)-([^-]+)\.(?:no)?src\.rpm$/.exec(row.sourceRpm);
  const finding: PackageFinding = {
    ecosystem: "rpm",
    name: row.name,
    version,
    source: src
      ? { name: src[1] as string, version: `${prefix}${src[2]}-${src[3]}` }
      : { name: row.name, version },
  };
  if (epoch !== undefined) finding.epoch = Number(epoch);
  if (present(row.arch)) finding.arch = row.arch;
  if (present(row.license)) finding.licenses = [row.license];
  if (present(row.vendor)) finding.vendor = row.vendor;
  if (present(row.modularityLabel)) finding.modularityLabel = row.modularityLabel;
  return finding;
}

export function sortFindings(findings: readonly PackageFinding[]): PackageFinding[] {
  const key = (p: PackageFinding) => `${p.name}\0${p.version}\0${p.arch ?? ""}`;
  return [...findings].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** The findings an `rpm -qa` listing implies, gpg-pubkey excluded, sorted. */
export function expectedFindings(file: string): PackageFinding[] {
  return sortFindings(
    readRpmQa(file)
      .filter((r) => r.name !== "gpg-pubkey")
      .map(expectedFinding),
  );
}

export interface TestTag {
  tag: number;
  type: number;
  /** Raw data for this entry; appended to the data store at the next offset aligned for its type. */
  data?: Buffer;
  /** Overrides the computed offset (for out-of-range tests). */
  offset?: number;
  count?: number;
}

export const str = (s: string): Buffer => Buffer.from(`${s}\0`, "utf8");
export const int32 = (...values: number[]): Buffer => {
  const b = Buffer.alloc(values.length * 4);
  for (const [i, v] of values.entries()) b.writeUInt32BE(v, i * 4);
  return b;
};

/** Builds a header blob (no magic) the way rpm lays one out: counts, index, data store. */
export function buildHeaderBlob(
  tags: TestTag[],
  options: { indexCount?: number; dataLength?: number } = {},
): Buffer {
  const chunks: Buffer[] = [];
  const index = Buffer.alloc(tags.length * 16);
  let size = 0;
  tags.forEach((t, i) => {
    const data = t.data ?? Buffer.alloc(0);
    const align = t.type === 4 ? 4 : t.type === 3 ? 2 : t.type === 5 ? 8 : 1;
    const pad = (align - (size % align)) % align;
    if (pad) chunks.push(Buffer.alloc(pad));
    size += pad;
    index.writeUInt32BE(t.tag, i * 16);
    index.writeUInt32BE(t.type, i * 16 + 4);
    index.writeInt32BE(t.offset ?? size, i * 16 + 8);
    index.writeUInt32BE(t.count ?? defaultCount(t.type, data), i * 16 + 12);
    chunks.push(data);
    size += data.length;
  });
  const head = Buffer.alloc(8);
  head.writeUInt32BE(options.indexCount ?? tags.length, 0);
  head.writeUInt32BE(options.dataLength ?? size, 4);
  return Buffer.concat([head, index, ...chunks]);
}

function defaultCount(type: number, data: Buffer): number {
  if (type === 4) return data.length / 4;
  if (type === 8 || type === 9) return data.filter((b) => b === 0).length;
  return 1;
}

/** NAME/VERSION/RELEASE/ARCH of a minimal package header, to which tests add tags. */
export function minimalTags(name = "pkg", version = "1.0", release = "1"): TestTag[] {
  return [
    { tag: 1000, type: 6, data: str(name) },
    { tag: 1001, type: 6, data: str(version) },
    { tag: 1002, type: 6, data: str(release) },
    { tag: 1022, type: 6, data: str("x86_64") },
  ];
}
