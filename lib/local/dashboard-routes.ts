import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, realpath } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { dirname, extname, join, resolve, sep } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { DashboardPrincipal, DashboardRequest, DashboardResponse } from "../dashboard/api-contract.js";
import { VIEWER_GROUP } from "../dashboard/api-contract.js";
import { DynamoDashboardQueries } from "../dashboard/dashboard-queries.js";
import { routeDashboardRequest } from "../dashboard/dashboard-router.js";

/** `serve` binds 127.0.0.1 only: whoever can reach it is the local user, allowed to read everything. */
export const LOCAL_PRINCIPAL: DashboardPrincipal = { subject: "local", groups: [VIEWER_GROUP] };

// Only these files are served, each with a fixed type: nothing in dashboard/ is sniffed or guessed.
const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
};

/** The page runs only its own scripts and styles and talks only to this server. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/** Local download links stay valid this long, like the presigned URLs the cloud API hands out. */
const DOWNLOAD_TTL_SECONDS = 300;

export interface DashboardRoutesOptions {
  dynamo: DynamoDBClient;
  tableName: string;
  s3: S3Client;
  bucket: string;
  /** The static app; default: `dashboard/` at the package root. */
  staticDir?: string;
}

/** Handles one request if it belongs to the dashboard; resolves false when it does not. */
export type DashboardHandler = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean>;

/**
 * The dashboard from `portcullis serve`: the static app, its config.json (no auth locally), the
 * API through the same router the Lambda uses, and report/SBOM downloads streamed from s3rver
 * behind short-lived HMAC-signed links (the local stand-in for presigned S3 URLs).
 */
export function dashboardRoutes(options: DashboardRoutesOptions): DashboardHandler {
  const staticDir = options.staticDir ?? findDashboardDir();
  const secret = randomBytes(32);
  const queries = new DynamoDashboardQueries(options.dynamo, options.tableName);
  const signDownload = async (key: string) => {
    const expires = Math.floor(Date.now() / 1000) + DOWNLOAD_TTL_SECONDS;
    const encoded = key.split("/").map(encodeURIComponent).join("/");
    return `/downloads/${encoded}?expires=${expires}&sig=${sign(secret, key, expires)}`;
  };

  return async (req, res, path) => {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    if (path === "/api" || path.startsWith("/api/")) {
      const url = new URL(req.url ?? "/", "http://localhost");
      const request: DashboardRequest = {
        method: req.method,
        // The router decodes path segments itself (image keys contain '#' and '/').
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        principal: LOCAL_PRINCIPAL,
      };
      reply(res, await routeDashboardRequest(request, { queries, signDownload }));
      return true;
    }
    if (path.startsWith("/downloads/")) {
      await serveDownload(req, res, path, options, secret);
      return true;
    }
    if (path === "/config.json") {
      sendText(res, 200, "application/json", JSON.stringify({ apiBase: "/api", auth: null }));
      return true;
    }
    return serveStatic(res, staticDir, path === "/" ? "/index.html" : path);
  };
}

/** `dashboard/` beside lib/ at the package root, from the sources (tsx) and from dist/ alike. */
export function findDashboardDir(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "dashboard", "index.html")))
      return join(dir, "dashboard");
    if (dirname(dir) === dir) throw new Error(`no dashboard/ directory above ${from}`);
  }
}

/** Resolves false (so the server answers 404) for anything that is not a known file inside `root`. */
async function serveStatic(res: ServerResponse, root: string, path: string): Promise<boolean> {
  let relative: string;
  try {
    relative = decodeURIComponent(path);
  } catch {
    return false;
  }
  const type = CONTENT_TYPES[extname(relative)];
  // No dotfiles, no NULs, no backslashes: only plain names the app really has.
  if (!type || relative.includes("\0") || relative.includes("\\") || /(^|\/)\./.test(relative)) return false;
  const file = resolve(root, `.${relative}`);
  if (!file.startsWith(root + sep)) return false;
  let body: Buffer;
  try {
    // realpath: a symlink inside dashboard/ must not lead outside it either.
    if (!(await realpath(file)).startsWith((await realpath(root)) + sep)) return false;
    body = await readFile(file);
  } catch {
    return false;
  }
  res.writeHead(200, {
    "content-type": type,
    "content-length": body.length,
    // Revalidate on every load: the files are small and change with the package.
    "cache-control": "no-cache",
    ...SECURITY_HEADERS,
    ...(type.startsWith("text/html") ? { "content-security-policy": CSP } : {}),
  });
  res.end(body);
  return true;
}

async function serveDownload(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  options: DashboardRoutesOptions,
  secret: Buffer,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  let key: string;
  try {
    key = path
      .slice("/downloads/".length)
      .split("/")
      .map((s) => decodeURIComponent(s))
      .join("/");
  } catch {
    return sendText(res, 400, "text/plain", "bad key");
  }
  const expires = Number(url.searchParams.get("expires"));
  const sig = Buffer.from(url.searchParams.get("sig") ?? "", "hex");
  const expected = Buffer.from(sign(secret, key, expires), "hex");
  if (!Number.isFinite(expires) || sig.length !== expected.length || !timingSafeEqual(sig, expected))
    return sendText(res, 403, "text/plain", "invalid download link");
  if (expires < Date.now() / 1000) return sendText(res, 403, "text/plain", "download link expired");

  const object = await options.s3
    .send(new GetObjectCommand({ Bucket: options.bucket, Key: key }))
    .catch((err: Error) => {
      if (err.name === "NoSuchKey") return undefined;
      throw err;
    });
  if (!object?.Body) return sendText(res, 404, "text/plain", "no such object");
  const name = key.split("/").pop() || "download";
  res.writeHead(200, {
    // Served as a download, never rendered: a report holds strings from the scanned image.
    "content-type": "application/octet-stream",
    "content-disposition": `attachment; filename="${name.replace(/[^\w.-]/g, "_")}"`,
    ...(object.ContentLength !== undefined ? { "content-length": object.ContentLength } : {}),
    ...SECURITY_HEADERS,
  });
  if (req.method === "HEAD") return void res.end();
  await pipeline(object.Body as Readable, res);
}

function sign(secret: Buffer, key: string, expires: number): string {
  return createHmac("sha256", secret).update(`${key}\n${expires}`).digest("hex");
}

function reply(res: ServerResponse, response: DashboardResponse): void {
  res.writeHead(response.status, {
    ...response.headers,
    "content-length": Buffer.byteLength(response.body),
    ...SECURITY_HEADERS,
  });
  res.end(response.body);
}

function sendText(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    "content-type": type,
    "content-length": Buffer.byteLength(body),
    ...SECURITY_HEADERS,
  });
  res.end(body);
}
