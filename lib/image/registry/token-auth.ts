import { createHash } from "node:crypto";
import { RegistryAuthError, RegistryError } from "../../errors.js";
import { discardBody, fetchWithRetry, type RetryOptions } from "../../http/retry.js";
import { type Credential, isIdentityToken } from "./credentials.js";
import { errorText } from "./http-errors.js";

export interface TokenRequest {
  /** Registry host the token is for; part of the cache key. */
  registry: string;
  /** From the Bearer challenge. */
  realm: string;
  service?: string;
  /** e.g. "repository:library/alpine:pull". */
  scope?: string;
  credential?: Credential;
  /** Names the image in error messages. */
  subject?: string;
}

export interface TokenAuthOptions {
  fetch?: typeof fetch;
  retry?: RetryOptions;
  userAgent?: string;
  /** OAuth2 client_id sent with refresh-token grants. */
  clientId?: string;
  now?: () => number;
}

interface CachedToken {
  token: Promise<string>;
  /** Set once the token arrived. */
  value?: string;
  expiresAt: number;
}

/** The distribution spec's default when a token response has no expires_in. */
const DEFAULT_EXPIRES_IN_S = 60;
/** Responses larger than this are not token responses. */
const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;

/**
 * Bearer tokens per the distribution token spec: GET realm?service=&scope= (Basic credentials when
 * we have them, anonymous otherwise) or, for identity tokens, the OAuth2 refresh_token grant.
 * Tokens are cached per registry + scope + identity until shortly before they expire, and
 * concurrent requests for the same token share one round trip.
 */
export class TokenAuth {
  private readonly cache = new Map<string, CachedToken>();
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;

  constructor(private readonly options: TokenAuthOptions = {}) {
    this.fetchImpl = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
  }

  /** A valid token for the request, from the cache or the token server. */
  getToken(request: TokenRequest): Promise<string> {
    const key = cacheKey(request);
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > this.now()) return cached.token;

    const entry: CachedToken = { token: Promise.resolve(""), expiresAt: Number.POSITIVE_INFINITY };
    entry.token = this.requestToken(request).then(
      ({ token, expiresInS }) => {
        const ttlMs = expiresInS * 1000;
        // Refresh a little early so a token does not expire between our check and the registry's.
        entry.expiresAt = this.now() + ttlMs - Math.min(30_000, ttlMs / 5);
        entry.value = token;
        return token;
      },
      (err: unknown) => {
        this.cache.delete(key);
        throw err;
      },
    );
    this.cache.set(key, entry);
    return entry.token;
  }

  /**
   * Forgets the cached token after the registry rejected it. With `token`, only if that is still
   * the cached one, so parallel requests do not throw away a fresh token another one just fetched.
   */
  invalidate(request: TokenRequest, token?: string): void {
    const key = cacheKey(request);
    const entry = this.cache.get(key);
    if (entry && (token === undefined || entry.value === token)) this.cache.delete(key);
  }

  private async requestToken(request: TokenRequest): Promise<{ token: string; expiresInS: number }> {
    const subject = request.subject ?? request.registry;
    let url: URL;
    try {
      url = new URL(request.realm);
    } catch {
      throw new RegistryAuthError(`${subject}: token realm "${request.realm}" is not a URL`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new RegistryAuthError(`${subject}: token realm "${request.realm}" is not an http(s) URL`);
    }

    const headers: Record<string, string> = { accept: "application/json" };
    if (this.options.userAgent) headers["user-agent"] = this.options.userAgent;
    const credential = request.credential;
    let init: RequestInit;
    if (credential && isIdentityToken(credential)) {
      // OAuth2 refresh-token grant (distribution spec "oauth.md"): identity tokens only work here.
      const form = new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: credential.identityToken,
        client_id: this.options.clientId ?? "portcullis",
      });
      if (request.service) form.set("service", request.service);
      if (request.scope) form.set("scope", request.scope);
      headers["content-type"] = "application/x-www-form-urlencoded";
      init = { method: "POST", headers, body: form.toString() };
    } else {
      if (request.service) url.searchParams.set("service", request.service);
      if (request.scope) url.searchParams.set("scope", request.scope);
      if (credential) {
        url.searchParams.set("account", credential.username);
        headers.authorization = basicAuthorization(credential.username, credential.password);
      }
      init = { method: "GET", headers };
    }

    let response: Response;
    try {
      response = await fetchWithRetry(() => this.fetchImpl(url, init), this.options.retry);
    } catch (err) {
      throw new RegistryError(`${subject}: cannot reach token server ${url.origin}: ${errorText(err)}`, {
        cause: err,
      });
    }
    if (response.status === 401 || response.status === 403) {
      await discardBody(response);
      const who = credential ? "rejected the credentials" : "refused anonymous access";
      throw new RegistryAuthError(`${subject}: token server ${url.origin} ${who} (HTTP ${response.status})`);
    }
    if (!response.ok) {
      await discardBody(response);
      throw new RegistryError(`${subject}: token server ${url.origin} answered HTTP ${response.status}`);
    }

    const text = await response.text();
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      if (text.length > MAX_TOKEN_RESPONSE_BYTES) throw new Error("too large");
      body = JSON.parse(text) as typeof body;
    } catch (err) {
      throw new RegistryAuthError(`${subject}: token server ${url.origin} returned an invalid response`, {
        cause: err,
      });
    }
    // Docker Hub sends both fields; OAuth2 servers only access_token.
    const token =
      typeof body.token === "string" && body.token !== ""
        ? body.token
        : typeof body.access_token === "string"
          ? body.access_token
          : "";
    if (token === "") throw new RegistryAuthError(`${subject}: token server ${url.origin} returned no token`);
    const expiresIn =
      typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : undefined;
    return { token, expiresInS: expiresIn ?? DEFAULT_EXPIRES_IN_S };
  }
}

export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
}

function cacheKey(request: TokenRequest): string {
  const credential = request.credential;
  const identity = !credential
    ? "anonymous"
    : isIdentityToken(credential)
      ? `identity:${fingerprint(credential.identityToken)}`
      : `user:${credential.username}:${fingerprint(credential.password)}`;
  return JSON.stringify([
    request.registry,
    request.realm,
    request.service ?? "",
    request.scope ?? "",
    identity,
  ]);
}

/** Keeps secrets out of cache keys (which may end up in heap dumps or debug output). */
function fingerprint(secret: string): string {
  return createHash("sha256").update(secret).digest("hex").slice(0, 16);
}
