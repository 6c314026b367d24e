import { z } from "zod";
import {
  ACCOUNT_GROUP_PREFIX,
  type DashboardPrincipal,
  type DashboardRequest,
  type DashboardResponse,
  type ImageDetail,
  type Page,
  type Severity,
  VIEWER_GROUP,
} from "./api-contract.js";
import { toCsv } from "./csv-export.js";
import type { AccountScope, DashboardQueries, PageRequest } from "./dashboard-queries.js";
import type { FindingFilter } from "./finding-filter.js";
import { BadRequestError } from "./page-cursor.js";

export interface DashboardRouterDeps {
  queries: DashboardQueries;
  /** A short-lived URL for a report bucket object; without it, downloads answer 404. */
  signDownload?: (key: string) => Promise<string>;
  now?: () => Date;
}

/** Most rows one export walks through; a bigger export says so in `x-portcullis-truncated`. */
export const EXPORT_MAX_ROWS = 10_000;
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

const SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"] as const;
const boolean = z.enum(["true", "false"]).transform((v) => v === "true");
const QuerySchema = z.object({
  limit: z
    .string()
    .regex(/^\d{1,3}$/, "limit must be a number from 1 to 500")
    .transform(Number)
    .pipe(z.number().int().min(1).max(MAX_LIMIT))
    .optional(),
  cursor: z.string().min(1).max(4096).optional(),
  format: z.enum(["csv", "json"]).optional(),
  /** Downloads: "false" answers the signed URL as JSON instead of a 302 to it. */
  redirect: z.enum(["true", "false"]).optional(),
  account: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9:._-]{0,127}$/, "invalid account")
    .optional(),
  repository: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,511}$/, "invalid repository")
    .optional(),
  severity: z
    .string()
    .max(100)
    .transform((v, ctx) => {
      const levels = v.split(",").map((s) => s.trim().toUpperCase());
      for (const level of levels) {
        if (!(SEVERITIES as readonly string[]).includes(level)) {
          ctx.addIssue({ code: "custom", message: `unknown severity ${level.slice(0, 20)}` });
          return z.NEVER;
        }
      }
      return new Set(levels as Severity[]);
    })
    .optional(),
  fixable: boolean.optional(),
  kev: boolean.optional(),
  q: z.string().min(1).max(200).optional(),
  days: z
    .string()
    .regex(/^\d{1,3}$/, "days must be a number from 1 to 365")
    .transform(Number)
    .pipe(z.number().int().min(1).max(365))
    .optional(),
  status: z.enum(["all", "present"]).optional(),
});
type Query = z.infer<typeof QuerySchema>;

const IMAGE_KEY =
  /^(ecr|gar|registry)#[^#\s]{1,128}#[^#\s]{1,64}#[^#\s]{1,512}@[a-z0-9]+(?:[+._-][a-z0-9]+)*:[A-Fa-f0-9]{32,128}$/;
const VULNERABILITY_ID = /^[A-Za-z0-9][A-Za-z0-9._:+-]{0,199}$/;

class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * The dashboard API, transport-neutral: the Lambda and `portcullis serve` both call this.
 * Authorization comes first (no identity 401, no viewer group 403), so nothing about routes or
 * data leaks to strangers; then the route, its validated input, and the read.
 */
export async function routeDashboardRequest(
  request: DashboardRequest,
  deps: DashboardRouterDeps,
): Promise<DashboardResponse> {
  try {
    const scope = authorize(request.principal);
    if (request.method !== "GET" && request.method !== "HEAD")
      throw new HttpError(405, "method not allowed", { allow: "GET" });
    const segments = splitPath(request.path);
    const parsed = QuerySchema.safeParse(request.query ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new HttpError(400, `${issue?.path.join(".") || "query"}: ${issue?.message ?? "invalid"}`);
    }
    return await route(segments, parsed.data, scope, deps);
  } catch (err) {
    if (err instanceof HttpError) return json(err.status, { error: err.message }, err.headers);
    if (err instanceof BadRequestError) return json(400, { error: err.message });
    throw err;
  }
}

/** The accounts the principal may see (undefined: all), or a 401/403. */
function authorize(principal: DashboardPrincipal | undefined): AccountScope {
  if (!principal?.subject)
    throw new HttpError(401, "authentication required", { "www-authenticate": "Bearer" });
  if (!principal.groups.includes(VIEWER_GROUP)) throw new HttpError(403, "not a dashboard viewer");
  const accounts = principal.groups
    .filter((group) => group.startsWith(ACCOUNT_GROUP_PREFIX))
    .map((group) => group.slice(ACCOUNT_GROUP_PREFIX.length))
    .filter((account) => account.length > 0);
  return accounts.length > 0 ? new Set(accounts) : undefined;
}

function splitPath(path: string): string[] {
  if (path.length > 4096) throw new HttpError(414, "path too long");
  try {
    return path
      .split("/")
      .filter((s) => s.length > 0)
      .map((s) => decodeURIComponent(s));
  } catch {
    throw new HttpError(400, "malformed path");
  }
}

function allowAccount(scope: AccountScope, account: string | undefined): void {
  if (account !== undefined && scope !== undefined && !scope.has(account))
    throw new HttpError(403, "no access to this account");
}

async function route(
  segments: string[],
  query: Query,
  scope: AccountScope,
  deps: DashboardRouterDeps,
): Promise<DashboardResponse> {
  const { queries } = deps;
  const page: PageRequest = {
    limit: query.limit ?? DEFAULT_LIMIT,
    ...(query.cursor ? { cursor: query.cursor } : {}),
  };
  const filter: FindingFilter = {
    ...(query.severity ? { severity: query.severity } : {}),
    ...(query.fixable !== undefined ? { fixable: query.fixable } : {}),
    ...(query.kev !== undefined ? { kev: query.kev } : {}),
    ...(query.q ? { q: query.q } : {}),
  };
  const [api, resource, id, sub, ...rest] = segments;
  if (api !== "api" || rest.length > 0) throw new HttpError(404, "not found");
  if (query.repository !== undefined && query.account === undefined)
    throw new HttpError(400, "repository needs account");
  allowAccount(scope, query.account);
  const at = {
    ...(query.account !== undefined ? { account: query.account } : {}),
    ...(query.repository !== undefined ? { repository: query.repository } : {}),
  };

  switch (resource) {
    case "summary":
      if (id !== undefined) break;
      return json(200, await queries.summary(scope, at));
    case "coverage":
      if (id !== undefined) break;
      return json(200, await queries.coverage(scope, at));
    case "trend": {
      if (id !== undefined) break;
      const trend = await queries.trend(scope, query.days ?? 30, (deps.now ?? (() => new Date()))());
      if (query.format) return exportRows("trend", trend.points, query.format, false);
      return json(200, trend);
    }
    case "accounts":
      if (id === undefined) return list("accounts", query, page, (p) => queries.accounts(scope, p));
      if (sub !== "repositories") break;
      checkAccount(id);
      allowAccount(scope, id);
      return list("repositories", query, page, (p) => queries.repositories(id, p));
    case "images": {
      if (id === undefined) return list("images", query, page, (p) => queries.images(scope, at, p));
      if (!IMAGE_KEY.test(id)) throw new HttpError(400, "invalid imageKey");
      // Another account's image is answered like a missing one: its existence is not told.
      const account = id.split("#")[1] as string;
      if (scope !== undefined && !scope.has(account)) throw new HttpError(404, "image not found");
      if (sub === undefined) {
        const detail = await queries.image(id, { ...filter, includeResolved: query.status === "all" });
        if (!detail) throw new HttpError(404, "image not found");
        if (query.format) return exportRows(`image-findings`, detail.findings, query.format, false);
        const base = `/api/images/${encodeURIComponent(id)}`;
        const body: ImageDetail = {
          image: detail.image,
          findings: detail.findings,
          links: {
            ...(detail.latestScan?.reportKey ? { report: `${base}/report` } : {}),
            ...(detail.latestScan?.sbomKey ? { sbom: `${base}/sbom` } : {}),
          },
        };
        return json(200, body);
      }
      if (sub !== "report" && sub !== "sbom") break;
      const detail = await queries.image(id, {});
      const key = sub === "report" ? detail?.latestScan?.reportKey : detail?.latestScan?.sbomKey;
      if (!key) throw new HttpError(404, `no ${sub} stored for this image`);
      if (!deps.signDownload) throw new HttpError(404, "downloads are not configured");
      const url = await deps.signDownload(key);
      // A page holding a bearer token cannot follow a redirect by navigation: it asks for the URL.
      if (query.redirect === "false") return json(200, { url });
      return { status: 302, headers: { location: url, "cache-control": "no-store" }, body: "" };
    }
    case "vulnerabilities":
      if (id === undefined || sub !== undefined) break;
      if (id === "top")
        return list("top-vulnerabilities", query, page, (p) =>
          queries.topVulnerabilities(scope, at, filter, p),
        );
      if (!VULNERABILITY_ID.test(id)) throw new HttpError(400, "invalid vulnerability id");
      return list(`affected-${id}`, query, page, (p) =>
        queries.affectedImages(scope, id, { includeResolved: query.status === "all" }, p),
      );
  }
  throw new HttpError(404, "not found");
}

function checkAccount(account: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9:._-]{0,127}$/.test(account)) throw new HttpError(400, "invalid account");
}

/** A page as JSON, or with `format`, every row from the cursor on (up to EXPORT_MAX_ROWS) as a download. */
async function list<T extends object>(
  name: string,
  query: Query,
  page: PageRequest,
  read: (page: PageRequest) => Promise<Page<T>>,
): Promise<DashboardResponse> {
  if (!query.format) return json(200, await read(page));
  const rows: T[] = [];
  let cursor = page.cursor;
  let truncated = false;
  do {
    const result = await read({ limit: MAX_LIMIT, ...(cursor ? { cursor } : {}) });
    rows.push(...result.items);
    cursor = result.next;
    if (rows.length >= EXPORT_MAX_ROWS && cursor) {
      truncated = true;
      break;
    }
  } while (cursor);
  return exportRows(name, rows.slice(0, EXPORT_MAX_ROWS), query.format, truncated);
}

function exportRows(
  name: string,
  rows: readonly object[],
  format: "csv" | "json",
  truncated: boolean,
): DashboardResponse {
  const file = `portcullis-${name.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 100)}.${format}`;
  const headers = {
    "content-disposition": `attachment; filename="${file}"`,
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    ...(truncated ? { "x-portcullis-truncated": "true" } : {}),
  };
  if (format === "json")
    return {
      status: 200,
      headers: { "content-type": "application/json; charset=utf-8", ...headers },
      body: JSON.stringify(rows),
    };
  return {
    status: 200,
    headers: { "content-type": "text/csv; charset=utf-8", ...headers },
    body: toCsv(rows as Record<string, unknown>[]),
  };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): DashboardResponse {
  return {
    status,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      ...headers,
    },
    body: JSON.stringify(body),
  };
}
