import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local stand-in for Google's STS token exchange (RFC 8693, `POST /v1/token`) and IAM Credentials
 * `generateAccessToken`, checking an AWS subject token the way Google does before it forwards it to
 * AWS: the serialized GetCallerIdentity request must target the regional STS endpoint, name the
 * pool provider in `x-goog-cloud-target-resource`, and carry a SigV4 signature, which this stand-in
 * recomputes with the known test secret (where Google would let AWS do so).
 */
export interface GcpStsServerOptions {
  /** The workload identity pool provider, `//iam.googleapis.com/projects/.../providers/...`. */
  audience: string;
  /** The one AWS identity that exists, as AWS knows it. */
  aws: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** When set, the signed request must be for this region. */
  region?: string;
  /** The federated token STS issues; default "ya29.test-federated-token". */
  federatedToken?: string;
  federatedExpiresInS?: number;
  /** The service account the federated principal may impersonate, and the token IAM issues for it. */
  serviceAccount?: { email: string; accessToken: string };
  /** Accepted clock skew of `x-amz-date`; default 15 minutes, as AWS. */
  maxSkewMs?: number;
}

export interface GcpStsRequestRecord {
  endpoint: "sts" | "impersonation" | "unknown";
  status: number;
  /** Why the request was refused. */
  error?: string;
  audience?: string;
  scope?: string;
  /** The AWS access key id that signed the subject token. */
  accessKeyId?: string;
  region?: string;
  signedHeaders?: string[];
  /** Impersonation: the service account and requested lifetime and scopes. */
  serviceAccount?: string;
  lifetime?: string;
  scopes?: string[];
}

export interface GcpStsServer {
  /** "http://127.0.0.1:PORT" */
  url: string;
  /** For `tokenUrl` in the settings: "http://127.0.0.1:PORT/v1/token". */
  tokenUrl: string;
  /** For `impersonationUrlBase` in the settings. */
  impersonationUrlBase: string;
  federatedToken: string;
  /** Every request, in order, so tests can count exchanges. */
  requests: GcpStsRequestRecord[];
  close(): Promise<void>;
}

const GRANT_TYPE = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
const AWS_TOKEN_TYPE = "urn:ietf:params:aws:token-type:aws4_request";
const AUTH_RE =
  /^AWS4-HMAC-SHA256 Credential=([A-Z0-9]{16,128})\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;
const STS_URL_RE =
  /^https:\/\/sts\.([a-z0-9-]+)\.amazonaws\.com\/?\?Action=GetCallerIdentity&Version=2011-06-15$/;
const IMPERSONATE_RE = /^\/v1\/projects\/-\/serviceAccounts\/([^/:]+):generateAccessToken$/;
const MAX_BODY = 64 * 1024;

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    message: string,
  ) {
    super(message);
  }
}

/** RFC 6749 error response, as Google's STS sends it. */
function oauthError(status: number, error: string, description: string): Refusal {
  return new Refusal(status, { error, error_description: description }, description);
}

/** Google API error response, as IAM Credentials sends it. */
function apiError(code: number, status: string, message: string): Refusal {
  return new Refusal(code, { error: { code, message, status } }, message);
}

export async function startGcpStsServer(options: GcpStsServerOptions): Promise<GcpStsServer> {
  const requests: GcpStsRequestRecord[] = [];
  const federatedToken = options.federatedToken ?? "ya29.test-federated-token";
  const issued = new Map<string, number>(); // federated token → expiry (ms)

  const exchange = (form: URLSearchParams, record: GcpStsRequestRecord) => {
    const field = (name: string) => {
      const value = form.get(name);
      if (!value) throw oauthError(400, "invalid_request", `Missing required parameter: ${name}`);
      return value;
    };
    if (field("grant_type") !== GRANT_TYPE)
      throw oauthError(400, "unsupported_grant_type", "Unsupported grant_type.");
    if (field("requested_token_type") !== ACCESS_TOKEN_TYPE)
      throw oauthError(400, "invalid_request", "Invalid requested_token_type.");
    if (field("subject_token_type") !== AWS_TOKEN_TYPE)
      throw oauthError(400, "invalid_request", "Invalid subject_token_type.");
    record.audience = field("audience");
    record.scope = form.get("scope") ?? undefined;
    if (record.audience !== options.audience)
      throw oauthError(
        400,
        "invalid_target",
        "The target service indicated by the audience parameter is invalid.",
      );
    verifySubjectToken(field("subject_token"), options, record);
    const expiresIn = options.federatedExpiresInS ?? 3600;
    issued.set(federatedToken, Date.now() + expiresIn * 1000);
    return {
      access_token: federatedToken,
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: "Bearer",
      expires_in: expiresIn,
    };
  };

  const impersonate = (email: string, req: IncomingMessage, body: string, record: GcpStsRequestRecord) => {
    record.serviceAccount = email;
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
    const expiry = bearer ? issued.get(bearer) : undefined;
    if (expiry === undefined || expiry <= Date.now())
      throw apiError(
        401,
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token.",
      );
    let request: { scope?: unknown; lifetime?: unknown };
    try {
      request = JSON.parse(body) as typeof request;
    } catch {
      throw apiError(400, "INVALID_ARGUMENT", "Invalid JSON payload received.");
    }
    if (!Array.isArray(request.scope) || request.scope.length === 0)
      throw apiError(400, "INVALID_ARGUMENT", "Scope required.");
    record.scopes = request.scope.map(String);
    record.lifetime = typeof request.lifetime === "string" ? request.lifetime : undefined;
    if (options.serviceAccount?.email !== email)
      throw apiError(
        403,
        "PERMISSION_DENIED",
        "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).",
      );
    const seconds = Number(/^(\d+)s$/.exec(record.lifetime ?? "3600s")?.[1] ?? Number.NaN);
    if (!(seconds > 0 && seconds <= 3600))
      throw apiError(400, "INVALID_ARGUMENT", "The lifetime must be between 1s and 3600s.");
    return {
      accessToken: options.serviceAccount.accessToken,
      expireTime: new Date(Date.now() + seconds * 1000).toISOString(),
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const record: GcpStsRequestRecord = { endpoint: "unknown", status: 0 };
    requests.push(record);
    const reply = (status: number, body: unknown) => {
      record.status = status;
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    try {
      const body = await readBody(req);
      const sa = IMPERSONATE_RE.exec(decodeURIComponent(path));
      if (req.method === "POST" && path === "/v1/token") {
        record.endpoint = "sts";
        if (!req.headers["content-type"]?.startsWith("application/x-www-form-urlencoded"))
          throw oauthError(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded.");
        reply(200, exchange(new URLSearchParams(body), record));
      } else if (req.method === "POST" && sa) {
        record.endpoint = "impersonation";
        reply(200, impersonate(sa[1] as string, req, body, record));
      } else {
        throw apiError(404, "NOT_FOUND", `no route for ${req.method} ${path}`);
      }
    } catch (err) {
      if (err instanceof Refusal) {
        record.error = err.message;
        reply(err.status, err.body);
      } else {
        record.error = String(err);
        reply(500, { error: "internal", error_description: String(err) });
      }
    }
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    tokenUrl: `${url}/v1/token`,
    impersonationUrlBase: url,
    federatedToken,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The AWS subject token: `encodeURIComponent(JSON.stringify({url, method, headers: [{key, value}]}))`. */
function verifySubjectToken(subjectToken: string, options: GcpStsServerOptions, record: GcpStsRequestRecord) {
  const invalid = (why: string) => oauthError(400, "invalid_grant", `Invalid AWS subject token: ${why}.`);
  let token: { url?: unknown; method?: unknown; headers?: unknown; body?: unknown };
  try {
    token = JSON.parse(decodeURIComponent(subjectToken)) as typeof token;
  } catch {
    throw invalid("not URL-encoded JSON");
  }
  const url = typeof token.url === "string" ? token.url : "";
  const urlRegion = STS_URL_RE.exec(url)?.[1];
  if (!urlRegion) throw invalid("url is not the regional STS GetCallerIdentity URL");
  if (token.method !== "POST") throw invalid("method must be POST");
  if (!Array.isArray(token.headers)) throw invalid("headers must be a list");
  const headers = new Map<string, string>();
  for (const h of token.headers as Array<{ key?: unknown; value?: unknown }>) {
    if (typeof h?.key !== "string" || typeof h.value !== "string") throw invalid("malformed header");
    headers.set(h.key.toLowerCase(), h.value);
  }
  if (headers.get("x-goog-cloud-target-resource") !== options.audience)
    throw oauthError(
      400,
      "invalid_grant",
      "The audience in the subject token does not match the workload identity pool provider.",
    );
  const auth = AUTH_RE.exec(headers.get("authorization") ?? "");
  if (!auth) throw invalid("missing or malformed AWS4-HMAC-SHA256 Authorization header");
  const [, accessKeyId, date, region, service, signedList, signature] = auth as unknown as string[];
  const signed = (signedList as string).split(";");
  Object.assign(record, { accessKeyId, region, signedHeaders: signed });
  const amzDate = headers.get("x-amz-date") ?? "";
  if (!/^\d{8}T\d{6}Z$/.test(amzDate) || amzDate.slice(0, 8) !== date)
    throw invalid("x-amz-date missing or not the credential scope's date");
  if (region !== urlRegion || service !== "sts") throw invalid("credential scope does not match the STS URL");
  if (options.region && region !== options.region) throw invalid(`region must be ${options.region}`);
  const when = Date.parse(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  if (Math.abs(Date.now() - when) > (options.maxSkewMs ?? 15 * 60_000))
    throw awsRefusal("SignatureDoesNotMatch", "Signature expired.");
  for (const required of ["host", "x-amz-date"])
    if (!signed.includes(required)) throw invalid(`${required} is not a signed header`);
  if (headers.get("host") !== new URL(url).host) throw invalid("host header does not match the url");
  // From here on Google would forward the request to AWS; answer as AWS would.
  if (accessKeyId !== options.aws.accessKeyId)
    throw awsRefusal("InvalidClientTokenId", "The security token included in the request is invalid.");
  if (options.aws.sessionToken !== undefined) {
    if (
      !signed.includes("x-amz-security-token") ||
      headers.get("x-amz-security-token") !== options.aws.sessionToken
    )
      throw awsRefusal("InvalidClientTokenId", "The security token included in the request is invalid.");
  }
  for (const name of signed) if (!headers.has(name)) throw invalid(`signed header ${name} is missing`);
  const expected = sigV4Signature({
    method: "POST",
    url: new URL(url),
    headers,
    signedHeaders: signed,
    amzDate,
    scope: `${date}/${region}/${service}/aws4_request`,
    secretAccessKey: options.aws.secretAccessKey,
    body: typeof token.body === "string" ? token.body : "",
  });
  const given = Buffer.from(signature as string, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw awsRefusal(
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided.",
    );
}

function awsRefusal(type: string, message: string): Refusal {
  return oauthError(
    400,
    "invalid_grant",
    `Received invalid AWS response of type ${type} with error message: ${message}`,
  );
}

/** AWS Signature Version 4, recomputed from the request (docs.aws.amazon.com, "Create a signed AWS API request"). */
function sigV4Signature(input: {
  method: string;
  url: URL;
  headers: Map<string, string>;
  signedHeaders: string[];
  amzDate: string;
  scope: string;
  secretAccessKey: string;
  body: string;
}): Buffer {
  const query = [...input.url.searchParams]
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const canonicalHeaders = [...input.signedHeaders]
    .sort()
    .map((name) => `${name}:${(input.headers.get(name) ?? "").trim().replace(/\s+/g, " ")}\n`)
    .join("");
  const canonicalRequest = [
    input.method,
    input.url.pathname || "/",
    query,
    canonicalHeaders,
    [...input.signedHeaders].sort().join(";"),
    sha256Hex(input.body),
  ].join("\n");
  const stringToSign = ["AWS4-HMAC-SHA256", input.amzDate, input.scope, sha256Hex(canonicalRequest)].join(
    "\n",
  );
  const [date, region, service] = input.scope.split("/") as [string, string, string];
  let key: Buffer = hmac(`AWS4${input.secretAccessKey}`, date);
  for (const part of [region, service, "aws4_request"]) key = hmac(key, part);
  return hmac(key, stringToSign);
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data, "utf8").digest();
}

function sha256Hex(data: string): string {
  return createHash("sha256").update(data, "utf8").digest("hex");
}

function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw apiError(413, "INVALID_ARGUMENT", "request too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
