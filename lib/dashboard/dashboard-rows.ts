import type { FindingItem } from "../aws/dynamo-finding-item.js";
import type {
  AccountRow,
  AffectedImageRow,
  FindingRow,
  ImageRow,
  RepositoryRow,
  TopVulnerabilityRow,
} from "./api-contract.js";
import { apiSeverity, countsFromItem, openCounts } from "./summary-counts.js";

/** Stored items → the API's rows. Items are read leniently: a missing attribute is a default, not a crash. */

const str = (value: unknown): string => (typeof value === "string" ? value : "");

export function imageRow(item: Record<string, unknown>): ImageRow {
  const tags = item.tags instanceof Set ? [...(item.tags as Set<string>)].sort() : [];
  const row: ImageRow = {
    imageKey: str(item.imageKey),
    provider: str(item.provider),
    account: str(item.account),
    region: str(item.region),
    repository: str(item.repository),
    digest: str(item.digest),
    tags,
    pushedAt: str(item.pushedAt),
    status: item.status === "deleted" ? "deleted" : "active",
    open: openCounts(item),
    risk: typeof item.risk === "number" ? item.risk : 0,
  };
  if (typeof item.lastScannedAt === "string") row.lastScannedAt = item.lastScannedAt;
  if (typeof item.maxSeverity === "string") row.maxSeverity = apiSeverity(item.maxSeverity);
  return row;
}

export function accountRow(item: Record<string, unknown>): AccountRow {
  const counts = countsFromItem(item);
  const row: AccountRow = { account: str(item.account), images: counts.images, open: counts.open };
  if (typeof item.provider === "string") row.provider = item.provider;
  return row;
}

export function repositoryRow(item: Record<string, unknown>): RepositoryRow {
  const counts = countsFromItem(item);
  return {
    account: str(item.account),
    repository: str(item.repository),
    images: counts.images,
    open: counts.open,
  };
}

export function findingRow(item: FindingItem): FindingRow {
  const row: FindingRow = {
    id: item.id,
    aliases: [...(item.aliases ?? [])],
    severity: apiSeverity(item.severity?.level),
    package: {
      ecosystem: item.pkg.ecosystem,
      name: item.pkg.name,
      version: item.pkg.version,
      foundIn: item.pkg.foundIn,
      ...(item.pkg.purl ? { purl: item.pkg.purl } : {}),
    },
    layer: { diffId: item.pkg.layer?.diffID ?? "", index: item.pkg.layer?.index },
    fixedVersions: [...(item.fixedVersions ?? [])],
    fixable: (item.fixedVersions ?? []).length > 0,
    kev: item.kev === true,
    status: item.status,
    firstSeen: item.firstSeen,
    lastSeen: item.lastSeen,
  };
  if (item.severity?.score !== undefined) row.score = item.severity.score;
  if (item.epss) row.epss = { ...item.epss };
  if (item.summary !== undefined) row.summary = item.summary;
  return row;
}

export function affectedImageRow(item: FindingItem): AffectedImageRow {
  return {
    imageKey: item.imageKey,
    account: item.account,
    repository: item.repository,
    digest: item.digest,
    package: item.pkg.name,
    version: item.pkg.version,
    fixedVersions: [...(item.fixedVersions ?? [])],
    status: item.status,
  };
}

export function topVulnerabilityRow(item: Record<string, unknown>, images?: number): TopVulnerabilityRow {
  const row: TopVulnerabilityRow = {
    id: str(item.id),
    severity: apiSeverity(str(item.severity)),
    images: images ?? (typeof item.images === "number" ? item.images : 0),
    fixable: item.fixable === true,
    kev: item.kev === true,
  };
  if (item.epss && typeof item.epss === "object") row.epss = item.epss as TopVulnerabilityRow["epss"];
  if (typeof item.summary === "string") row.summary = item.summary;
  return row;
}
