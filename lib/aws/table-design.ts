/**
 * The single DynamoDB table that holds images, scans, findings, scan claims and per-account
 * counts. The CDK stack and the stores both read the names from here, so they cannot drift apart.
 *
 * Items (PK / SK):
 * - Image    `IMAGE#<imageKey>` / `META`            account, repository, digest, tags, status, latest scan
 * - Scan     `IMAGE#<imageKey>` / `SCAN#<scannedAt>` one ScanSummary per finished scan
 * - Finding  `IMAGE#<imageKey>` / `FINDING#<vuln>#<ecosystem>#<name>#<version>#<foundIn>`
 *            identity is stable across scans of the same digest; status open | suppressed | resolved
 *            (resolvedBy scan | deleted | superseded; a suppressed one carries its suppression)
 * - Tag      `TAG#<provider>#<account>#<region>#<repository>` / `<tag>`: the digest the tag points
 *            at now and the one it replaced, so a new push finds the image it supersedes by key
 * - Claim    `IMAGE#<imageKey>` / `CLAIM#<scanIdentity>` expires by TTL (`expiresAt`)
 * - Counts   `ACCOUNT#<account>` / `SUMMARY` and `REPO#<repository>#SUMMARY`, updated with ADD
 * - Package index `PKG#<ecosystem>#<name>` / `<imageKey>`: which images hold a package, by the key
 *            advisories use (OSV ecosystem; OS packages also by source name), for rescans
 * - Package list  `IMAGE#<imageKey>` / `PKGS#<n>`: the image's package index keys in chunks, so a
 *            delete can remove its index items without reading the SBOM
 * - Activity `ACTIVE#<yyyy-mm-dd>` / `<imageKey>`: the image was pushed or pulled that day; expires
 *            by TTL. The scheduled full re-match reads one partition per day of its window
 * - Fleet counts `FLEET` / `SUMMARY`: the same ADDs as the account counts, for the whole fleet.
 *            Account and fleet counts also hold `fixable`, `kev` (open findings with a fix / on KEV)
 *            and the coverage counters `pushed`, `scanned`, `failed`. Account SUMMARY items sit in
 *            GSI1 under `ACCOUNTS` / `<account>`, so the accounts are listed by one Query
 * - Markers  `IMAGE#<imageKey>` / `PUSHED` (a registry reported the image: counted once in `pushed`)
 *            and `FAILED` (its last scan failed: counted in `failed` until a scan succeeds)
 * - Risk rows `IMAGE#<imageKey>` / `RISK#ACCOUNT` and `RISK#REPO`: copies of the image's list row
 *            under the account's and the repository's GSI5 partition (the META item is the fleet's)
 * - Snapshot `SNAPSHOTS` / `<yyyy-mm-dd>`: the day's open counts, fleet and per account (one
 *            partition, so a trend is one Query), naming the run whose top list is current; under
 *            `TOPVULN#<run>#<FLEET|account>` / `<inverted images>#<id>` that run's most widespread
 *            open vulnerabilities (written by the daily dashboard snapshot, so the top list is as
 *            fresh as the last snapshot; superseded runs expire by TTL)
 *
 * Indexes:
 * - GSI1 by account → repository / time (Image items): `ACCOUNT#<account>` / `REPO#<repo>#<pushedAt>`
 * - GSI2 by digest (Image items): `DIGEST#<digest>` / imageKey
 * - GSI3 by vulnerability (Finding items, open and resolved): `VULN#<id>` / `<imageKey>#<package>`
 * - GSI4 open findings by severity, sparse (only open findings carry it): `OPEN#<SEVERITY>` /
 *   `<account>#<imageKey>`
 * - GSI5 images by risk, sparse (active scanned images only): `RISK` (fleet, on META),
 *   `RISK#<account>` and `RISK#<account>#<repository>` (risk rows) / `<inverted risk>#<imageKey>`,
 *   so every images list is one Query, riskiest first
 */

export const TABLE_KEYS = { partitionKey: "PK", sortKey: "SK" } as const;

/** Attribute DynamoDB's time-to-live deletes claim items by (epoch seconds). */
export const TTL_ATTRIBUTE = "expiresAt";

export interface IndexDescription {
  name: string;
  partitionKey: string;
  sortKey: string;
  /** ALL: queries answer lists without a second read of the base table. */
  projection: "ALL" | "KEYS_ONLY";
}

export const INDEXES = {
  byAccount: { name: "GSI1", partitionKey: "PK1", sortKey: "SK1", projection: "ALL" },
  byDigest: { name: "GSI2", partitionKey: "PK2", sortKey: "SK2", projection: "ALL" },
  byVulnerability: { name: "GSI3", partitionKey: "PK3", sortKey: "SK3", projection: "ALL" },
  openBySeverity: { name: "GSI4", partitionKey: "PK4", sortKey: "SK4", projection: "ALL" },
  byRisk: { name: "GSI5", partitionKey: "PK5", sortKey: "SK5", projection: "ALL" },
} as const satisfies Record<string, IndexDescription>;

/** Every key attribute of the table and its indexes; all are strings. */
export const ATTRIBUTES: ReadonlyArray<{ name: string; type: "S" }> = [
  TABLE_KEYS.partitionKey,
  TABLE_KEYS.sortKey,
  ...Object.values(INDEXES).flatMap((index) => [index.partitionKey, index.sortKey]),
].map((name) => ({ name, type: "S" as const }));

export const ITEM_TYPES = {
  image: "image",
  scan: "scan",
  finding: "finding",
  claim: "claim",
  accountSummary: "account-summary",
  repositorySummary: "repository-summary",
  packageIndex: "package-index",
  packageList: "package-list",
  activity: "image-activity",
  tag: "tag",
  fleetSummary: "fleet-summary",
  pushedMarker: "pushed-marker",
  failedMarker: "failed-marker",
  riskRow: "risk-row",
  snapshot: "snapshot",
  topVulnerability: "top-vulnerability",
} as const;

export const META_SK = "META";
export const SCAN_PREFIX = "SCAN#";
export const FINDING_PREFIX = "FINDING#";
export const CLAIM_PREFIX = "CLAIM#";
export const SUMMARY_SK = "SUMMARY";
export const PACKAGE_INDEX_PREFIX = "PKG#";
export const PACKAGE_LIST_PREFIX = "PKGS#";
export const ACTIVITY_PREFIX = "ACTIVE#";
export const TAG_PREFIX = "TAG#";
export const FLEET_PK = "FLEET";
export const PUSHED_SK = "PUSHED";
export const FAILED_SK = "FAILED";
export const RISK_ACCOUNT_SK = "RISK#ACCOUNT";
export const RISK_REPO_SK = "RISK#REPO";
/** GSI1 partition of the account SUMMARY items: the list of accounts. */
export const ACCOUNTS_PK1 = "ACCOUNTS";
/** Largest risk the sort key can order; higher risks sort with it. */
export const MAX_RISK = 999_999_999_999;

/** DynamoDB caps sort keys at 1,024 bytes; long package paths are hashed to stay under it. */
const MAX_SORT_KEY_BYTES = 1024;

export const imagePk = (imageKey: string): string => `IMAGE#${imageKey}`;
export const scanSk = (scannedAt: string): string => `${SCAN_PREFIX}${scannedAt}`;
export const claimSk = (scanIdentity: string): string => `${CLAIM_PREFIX}${scanIdentity}`;
export const accountPk = (account: string): string => `ACCOUNT#${account}`;
export const repositorySummarySk = (repository: string): string => `REPO#${repository}#${SUMMARY_SK}`;
export const packageIndexPk = (ecosystem: string, name: string): string =>
  `${PACKAGE_INDEX_PREFIX}${ecosystem}#${name}`;
/** Zero-padded so the chunks sort in order. */
export const packageListSk = (chunk: number): string =>
  `${PACKAGE_LIST_PREFIX}${String(chunk).padStart(4, "0")}`;
/**
 * The repository part of the tag item's key. Provider, account and region are in it because one
 * repository name exists in many registries, each with its own tags.
 */
export const tagPk = (location: { provider: string; account: string; region: string; repository: string }) =>
  `${TAG_PREFIX}${location.provider}#${location.account}#${location.region}#${location.repository}`;
export const tagSk = (tag: string): string => tag;
/** `day` is the UTC date, yyyy-mm-dd. */
export const activityPk = (day: string): string => `${ACTIVITY_PREFIX}${day}`;

export interface FindingIdentity {
  vulnerabilityId: string;
  ecosystem: string;
  name: string;
  version: string;
  foundIn: string;
}

export function findingSk(identity: FindingIdentity, hash: (text: string) => string): string {
  const { vulnerabilityId, ecosystem, name, version, foundIn } = identity;
  const sk = `${FINDING_PREFIX}${vulnerabilityId}#${ecosystem}#${name}#${version}#${foundIn}`;
  if (Buffer.byteLength(sk) <= MAX_SORT_KEY_BYTES) return sk;
  return `${FINDING_PREFIX}${vulnerabilityId.slice(0, 200)}#sha256:${hash(sk)}`;
}

export const gsi1 = (account: string, repository: string, at: string) => ({
  PK1: accountPk(account),
  SK1: `REPO#${repository}#${at}`,
});

export const gsi2 = (digest: string, imageKey: string) => ({ PK2: `DIGEST#${digest}`, SK2: imageKey });

/** GSI3's partition: every finding of one vulnerability id. */
export const vulnerabilityPk = (vulnerabilityId: string): string => `VULN#${vulnerabilityId}`;

export const gsi3 = (vulnerabilityId: string, imageKey: string, pkg: string) => ({
  PK3: vulnerabilityPk(vulnerabilityId),
  SK3: `${imageKey}#${pkg}`,
});

export const gsi4 = (severity: string, account: string, imageKey: string) => ({
  PK4: `OPEN#${severity.toUpperCase()}`,
  SK4: `${account}#${imageKey}`,
});

/** Zero-padded and inverted, so an ascending Query reads the riskiest image first. */
export const invertedRisk = (risk: number): string =>
  String(MAX_RISK - Math.min(MAX_RISK, Math.max(0, Math.round(risk)))).padStart(12, "0");

export const riskPk = (scope: { account?: string; repository?: string }): string =>
  scope.account === undefined
    ? "RISK"
    : scope.repository === undefined
      ? `RISK#${scope.account}`
      : `RISK#${scope.account}#${scope.repository}`;

export const gsi5 = (scope: { account?: string; repository?: string }, risk: number, imageKey: string) => ({
  PK5: riskPk(scope),
  SK5: `${invertedRisk(risk)}#${imageKey}`,
});

export const SNAPSHOTS_PK = "SNAPSHOTS";
/** `run` names one snapshot run; `scope` is "FLEET" or an account id. */
export const topVulnerabilityPk = (run: string, scope: string): string => `TOPVULN#${run}#${scope}`;
export const topVulnerabilitySk = (images: number, id: string): string => `${invertedRisk(images)}#${id}`;

/** The package part of GSI3's sort key: `<ecosystem>/<name>@<version>`. */
export const packageLabel = (ecosystem: string, name: string, version: string): string =>
  `${ecosystem}/${name}@${version}`;
