import { createHash } from "node:crypto";
import type { SeverityLevel, VulnerabilityFinding } from "../matching/finding.js";
import type { Suppression } from "../policy/types.js";
import { FINDING_PREFIX, findingSk, gsi3, gsi4, ITEM_TYPES, imagePk, packageLabel } from "./table-design.js";

/** Caps keep a Finding item around 1-2 KB: lists need these fields, the full report lives in S3. */
export const FINDING_ITEM_CAPS = { aliases: 20, advisories: 10, fixedVersions: 10, summaryChars: 300 };

export type FindingState = "open" | "suppressed" | "resolved";

/**
 * What closed a finding: a later scan of the image no longer reported it, the image was deleted,
 * or a newer digest pushed under the same tag no longer has it.
 */
export type ResolvedBy = "scan" | "deleted" | "superseded";

/** Where a finding stands over time, on top of what the scan reported. */
export interface FindingRecord {
  finding: VulnerabilityFinding;
  status: FindingState;
  firstSeen: string;
  lastSeen: string;
  resolvedAt?: string;
  resolvedBy?: ResolvedBy;
  /** The digest that replaced this image under its tag, when resolvedBy is "superseded". */
  supersededBy?: string;
  /** Why the policy hides it, while status is "suppressed". */
  suppression?: Suppression;
}

/** The stored shape; PK4/SK4 exist only while the finding is open (GSI4 is sparse). */
export interface FindingItem {
  PK: string;
  SK: string;
  type: typeof ITEM_TYPES.finding;
  imageKey: string;
  account: string;
  repository: string;
  digest: string;
  id: string;
  aliases: string[];
  advisories: string[];
  pkg: VulnerabilityFinding["package"];
  fixedVersions: string[];
  fixStatus: VulnerabilityFinding["status"];
  severity: VulnerabilityFinding["severity"];
  summary?: string;
  kev?: boolean;
  epss?: { probability: number; percentile: number };
  status: FindingState;
  firstSeen: string;
  lastSeen: string;
  resolvedAt?: string;
  resolvedBy?: ResolvedBy;
  supersededBy?: string;
  suppression?: Suppression;
  PK3: string;
  SK3: string;
  PK4?: string;
  SK4?: string;
}

export interface ImageRef {
  imageKey: string;
  account: string;
  repository: string;
  digest: string;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

export function findingItemSk(finding: VulnerabilityFinding): string {
  const { ecosystem, name, version, foundIn } = finding.package;
  return findingSk({ vulnerabilityId: finding.id, ecosystem, name, version, foundIn }, sha256);
}

export function isFindingSk(sk: string): boolean {
  return sk.startsWith(FINDING_PREFIX);
}

/** Builds an open Finding item; no undefined values, so any marshaller accepts it. */
export function openFindingItem(
  image: ImageRef,
  finding: VulnerabilityFinding,
  firstSeen: string,
  lastSeen: string,
): FindingItem {
  const { ecosystem, name, version } = finding.package;
  const layer = finding.package.layer;
  const item: FindingItem = {
    PK: imagePk(image.imageKey),
    SK: findingItemSk(finding),
    type: ITEM_TYPES.finding,
    imageKey: image.imageKey,
    account: image.account,
    repository: image.repository,
    digest: image.digest,
    id: finding.id,
    aliases: finding.aliases.slice(0, FINDING_ITEM_CAPS.aliases),
    advisories: finding.advisories.slice(0, FINDING_ITEM_CAPS.advisories),
    pkg: withoutUndefined({
      ecosystem,
      name,
      version,
      purl: finding.package.purl,
      foundIn: finding.package.foundIn,
      layer: { index: layer.index, diffID: layer.diffID, digest: layer.digest },
    }),
    fixedVersions: finding.fixedVersions.slice(0, FINDING_ITEM_CAPS.fixedVersions),
    fixStatus: finding.status,
    severity: withoutUndefined({ ...finding.severity }),
    status: "open",
    firstSeen,
    lastSeen,
    ...gsi3(finding.id, image.imageKey, packageLabel(ecosystem, name, version)),
    ...gsi4(finding.severity.level, image.account, image.imageKey),
  };
  if (finding.summary !== undefined) item.summary = finding.summary.slice(0, FINDING_ITEM_CAPS.summaryChars);
  if (finding.kev !== undefined) item.kev = finding.kev;
  if (finding.epss !== undefined) item.epss = { ...finding.epss };
  return item;
}

/**
 * A finding the policy suppressed: out of GSI4 and the open counts, still in GSI3 so a search by
 * vulnerability shows it with the reason.
 */
export function suppressedFindingItem(
  image: ImageRef,
  finding: VulnerabilityFinding,
  suppression: Suppression,
  firstSeen: string,
  lastSeen: string,
): FindingItem {
  const { PK4: _pk4, SK4: _sk4, ...rest } = openFindingItem(image, finding, firstSeen, lastSeen);
  return { ...rest, status: "suppressed", suppression: withoutUndefined({ ...suppression }) };
}

/** The same item, resolved: it leaves GSI4 and keeps GSI3 as history. */
export function resolvedFindingItem(
  item: FindingItem,
  at: string,
  by: ResolvedBy = "scan",
  supersededBy?: string,
): FindingItem {
  const { PK4: _pk4, SK4: _sk4, suppression: _suppression, ...rest } = item;
  const resolved: FindingItem = { ...rest, status: "resolved", resolvedAt: at, resolvedBy: by };
  if (supersededBy !== undefined) resolved.supersededBy = supersededBy;
  return resolved;
}

/** Resolved because a newer digest under the same tag fixed it, not because this image changed. */
export function isSuperseded(item: FindingItem): boolean {
  return item.status === "resolved" && item.resolvedBy === "superseded";
}

export function findingFromItem(item: FindingItem): VulnerabilityFinding {
  const finding: VulnerabilityFinding = {
    id: item.id,
    aliases: [...item.aliases],
    advisories: [...item.advisories],
    package: { ...item.pkg, layer: { ...item.pkg.layer } },
    fixedVersions: [...item.fixedVersions],
    status: item.fixStatus,
    severity: { ...item.severity, level: item.severity.level as SeverityLevel },
    // References are not stored per finding: the full report in S3 has them.
    references: [],
  };
  if (item.summary !== undefined) finding.summary = item.summary;
  if (item.kev !== undefined) finding.kev = item.kev;
  if (item.epss !== undefined) finding.epss = { ...item.epss };
  return finding;
}

export function recordFromItem(item: FindingItem): FindingRecord {
  const record: FindingRecord = {
    finding: findingFromItem(item),
    status: item.status,
    firstSeen: item.firstSeen,
    lastSeen: item.lastSeen,
  };
  if (item.resolvedAt !== undefined) record.resolvedAt = item.resolvedAt;
  if (item.resolvedBy !== undefined) record.resolvedBy = item.resolvedBy;
  if (item.supersededBy !== undefined) record.supersededBy = item.supersededBy;
  if (item.suppression !== undefined) record.suppression = { ...item.suppression };
  return record;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
