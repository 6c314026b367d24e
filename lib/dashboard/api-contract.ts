/**
 * The dashboard API: read-only, paginated, every answer from a key lookup or a Query on the table
 * or its GSIs (never a Scan). The Lambda (behind API Gateway with a Cognito JWT authorizer) and
 * `portcullis serve` route the same requests to the same `routeDashboardRequest`.
 *
 * Routes (all GET; `cursor` is the opaque `next` of the previous page; `limit` 1..500, default 50):
 *   /api/summary[?account=A[&repository=R]]     SummaryResponse: open counts by severity, all/account/repository
 *   /api/accounts                                Page<AccountRow>
 *   /api/accounts/{account}/repositories         Page<RepositoryRow>
 *   /api/images[?account=A[&repository=R]]       Page<ImageRow>, riskiest first
 *   /api/images/{imageKey}                        ImageDetail (imageKey URL-encoded), findings with layers
 *   /api/vulnerabilities/top                      Page<TopVulnerabilityRow>, by images affected
 *   /api/vulnerabilities/{id}                     Page<AffectedImageRow>: where one CVE is present
 *   /api/trend[?days=30]                          TrendResponse: daily snapshots of open findings
 *   /api/coverage[?account=A]                     CoverageResponse: images pushed vs scanned
 *   /api/images/{imageKey}/report|sbom            302 to a short-lived download URL
 * Any list route takes `format=csv` (text/csv of the rows) or `format=json` (the rows as a JSON
 * attachment): the export of the current view. Filters on findings: `severity=HIGH,CRITICAL`,
 * `fixable=true`, `kev=true`, `q=<CVE or package substring>`.
 *
 * Also (additions): `/api/images/{imageKey}` and `/api/vulnerabilities/{id}` leave resolved
 * findings out unless `status=all`; `/api/vulnerabilities/top` takes `account=A` and is as fresh
 * as the last daily snapshot (functions/dashboard-snapshot.ts); an export stops at 10,000 rows and
 * then says so in the `x-portcullis-truncated: true` header. Severity NEGLIGIBLE is counted as LOW.
 * Errors are `{ "error": "<message>" }` with 400 (bad input, forged cursor), 401, 403, 404, 405.
 */

export type Severity = "CRITICAL" | "HIGH" | "MEDIUM" | "LOW" | "UNKNOWN";
export type SeverityCounts = Partial<Record<Severity, number>>;

export interface Page<T> {
  items: T[];
  /** Present when there is more; pass back as `cursor`. */
  next?: string;
}

export interface SummaryResponse {
  scope: { account?: string; repository?: string };
  images: number;
  scans: number;
  open: SeverityCounts;
  /** Open findings with a fix available, and on CISA's KEV list. */
  fixable?: number;
  kev?: number;
}

export interface AccountRow {
  account: string;
  /** "ecr" | "gar" | "registry" */
  provider?: string;
  images: number;
  open: SeverityCounts;
}

export interface RepositoryRow {
  account: string;
  repository: string;
  images: number;
  open: SeverityCounts;
}

export interface ImageRow {
  imageKey: string;
  provider: string;
  account: string;
  region: string;
  repository: string;
  digest: string;
  tags: string[];
  pushedAt: string;
  lastScannedAt?: string;
  status: "active" | "deleted";
  open: SeverityCounts;
  maxSeverity?: Severity;
  /** Higher is worse: severity-weighted open findings, boosted for KEV and fixable ones. */
  risk: number;
}

export interface FindingRow {
  id: string;
  aliases: string[];
  severity: Severity;
  score?: number;
  package: { ecosystem: string; name: string; version: string; foundIn: string; purl?: string };
  /** The layer that introduced the package: its diffID and the history line that made it. */
  layer: { diffId: string; index?: number; createdBy?: string };
  fixedVersions: string[];
  fixable: boolean;
  kev: boolean;
  epss?: { probability: number; percentile: number };
  status: "open" | "suppressed" | "resolved";
  firstSeen: string;
  lastSeen: string;
  summary?: string;
}

export interface ImageDetail {
  image: ImageRow;
  findings: FindingRow[];
  /** Present when the scan stored them; the API answers these with a redirect to a signed URL. */
  links: { report?: string; sbom?: string };
}

export interface TopVulnerabilityRow {
  id: string;
  severity: Severity;
  /** Images with this vulnerability open. */
  images: number;
  fixable: boolean;
  kev: boolean;
  epss?: { probability: number; percentile: number };
  summary?: string;
}

export interface AffectedImageRow {
  imageKey: string;
  account: string;
  repository: string;
  digest: string;
  package: string;
  version: string;
  fixedVersions: string[];
  status: "open" | "suppressed" | "resolved";
}

export interface TrendPoint {
  /** yyyy-mm-dd (UTC) */
  day: string;
  open: SeverityCounts;
}

export interface TrendResponse {
  points: TrendPoint[];
}

export interface CoverageResponse {
  /** Images the registries reported (push events and inventory sync). */
  pushed: number;
  /** Of those, images with at least one finished scan. */
  scanned: number;
  /** Scans that ended in failure and are not yet retried successfully. */
  failed: number;
}

/** Who is asking: from the Cognito JWT (groups) in AWS, or the local user for `portcullis serve`. */
export interface DashboardPrincipal {
  subject: string;
  /** Cognito groups: `portcullis-viewers` may read; `account-<id>` limits to those accounts. */
  groups: string[];
}

/** The transport-neutral request both adapters build. */
export interface DashboardRequest {
  method: string;
  /** Path without the query, e.g. "/api/images/ecr%23..." as received (still encoded). */
  path: string;
  query: Record<string, string | undefined>;
  /** Undefined when the request carried no verified identity. */
  principal?: DashboardPrincipal;
}

export interface DashboardResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The group a Cognito user needs to read anything. */
export const VIEWER_GROUP = "portcullis-viewers";
/** A user in any `account-<id>` group sees only those accounts. */
export const ACCOUNT_GROUP_PREFIX = "account-";
