import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import {
  DigestMismatchError,
  LimitExceededError,
  NotFoundError,
  RegistryAuthError,
  RegistryError,
} from "../../errors.js";
import {
  DEFAULT_MAX_ATTEMPTS,
  discardBody,
  fetchWithRetry,
  isRetryableStatus,
  type RetryOptions,
} from "../../http/retry.js";
import { type Logger, silentLogger } from "../../logger.js";
import { MANIFEST_ACCEPT } from "../media-types.js";
import { isDigest } from "../reference.js";
import type { FetchedManifest } from "../types.js";
import { type Credential, type CredentialProvider, isIdentityToken } from "./credentials.js";
import { describeResponse, errorText } from "./http-errors.js";
import { readBodyCapped } from "./read-body.js";
import { basicAuthorization, TokenAuth } from "./token-auth.js";
import { type AuthChallenge, parseWwwAuthenticate, pickChallenge } from "./www-authenticate.js";

export interface RegistryClientOptions {
  /** Use plain http for a non-loopback host. */
  insecure?: boolean;
  credentials?: CredentialProvider;
  /** The name the credential provider is asked about; defaults to the host ("docker.io" for Hub). */
  credentialHost?: string;
  logger?: Logger;
  retry?: RetryOptions;
  userAgent?: string;
  fetch?: typeof fetch;
  /** Share one token cache between clients (e.g. many images of one registry in a Lambda). */
  tokenAuth?: TokenAuth;
  /** Default 4 MiB, the limit containerd and the distribution registry apply. */
  maxManifestBytes?: number;
}

export const DEFAULT_MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
export const MAX_REDIRECTS = 5;
const DEFAULT_USER_AGENT = "portcullis";
/** Content types that say nothing about which manifest this is; the resolver sniffs those. */
const GENERIC_CONTENT_TYPES = new Set(["application/json", "application/octet-stream", "text/plain"]);

/** True for localhost, 127.0.0.0/8 and [::1], with or without a port (go-containerregistry's rule). */
export function isLoopbackHost(host: string): boolean {
  const name = host.startsWith("[") ? host.slice(1, host.indexOf("]")) : (host.split(":")[0] ?? "");
  const lower = name.toLowerCase();
  return lower === "localhost" || lower === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(lower);
}

/**
 * An OCI Distribution API client for one registry host: pulls manifests and blobs, answers
 * Basic and Bearer challenges, retries transient failures and follows blob redirects itself so the
 * Authorization header never leaks to another host (S3 presigned URLs reject it anyway).
 */
export class RegistryClient {
  readonly baseUrl: string;
  private readonly logger: Logger;
  private readonly fetchImpl: typeof fetch;
  private readonly tokens: TokenAuth;
  private readonly retry: RetryOptions;
  private readonly maxManifestBytes: number;
  /** The registry's last challenge, so later requests authenticate up front instead of after a 401. */
  private challenge?: AuthChallenge;
  private credential?: Promise<Credential | undefined>;

  constructor(
    readonly host: string,
    private readonly options: RegistryClientOptions = {},
  ) {
    const scheme = options.insecure || isLoopbackHost(host) ? "http" : "https";
    this.baseUrl = `${scheme}://${host}`;
    this.logger = options.logger ?? silentLogger;
    this.fetchImpl = options.fetch ?? fetch;
    this.maxManifestBytes = options.maxManifestBytes ?? DEFAULT_MAX_MANIFEST_BYTES;
    const userRetry = options.retry ?? {};
    this.retry = {
      ...userRetry,
      onRetry: (info) => {
        this.logger.debug("retrying registry request", {
          registry: host,
          attempt: info.attempt,
          delayMs: info.delayMs,
          ...(info.status !== undefined ? { status: info.status } : { error: errorText(info.error) }),
        });
        userRetry.onRetry?.(info);
      },
    };
    this.tokens =
      options.tokenAuth ??
      new TokenAuth({
        fetch: this.fetchImpl,
        retry: this.retry,
        userAgent: options.userAgent ?? DEFAULT_USER_AGENT,
      });
  }

  /**
   * GET /v2/<repository>/manifests/<reference>. The digest is computed from the bytes; when
   * `reference` is a digest the bytes must hash to it.
   */
  async getManifest(repository: string, reference: string, subject?: string): Promise<FetchedManifest> {
    const label = subject ?? `${this.host}/${repository}${isDigest(reference) ? "@" : ":"}${reference}`;
    const what = `manifest ${reference}`;
    const response = await this.request(repository, `manifests/${reference}`, MANIFEST_ACCEPT, label, what);
    const bytes = await readBodyCapped(response, this.maxManifestBytes).catch((err: unknown) => {
      throw new RegistryError(`${label}: reading ${what} failed: ${errorText(err)}`, { cause: err });
    });
    if (!bytes) {
      throw new LimitExceededError(`${label}: ${what} is larger than ${this.maxManifestBytes} bytes`);
    }

    const algorithm = isDigest(reference) ? (reference.split(":")[0] as string) : "sha256";
    const digest = `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
    if (isDigest(reference) && digest !== reference) {
      throw new DigestMismatchError(`${label}: registry returned a manifest whose digest is ${digest}`);
    }
    const mediaType = response.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
    return {
      bytes,
      digest,
      ...(mediaType && !GENERIC_CONTENT_TYPES.has(mediaType) ? { mediaType } : {}),
    };
  }

  /** GET /v2/<repository>/blobs/<digest> as a stream; the caller verifies the digest while reading. */
  async getBlob(repository: string, digest: string, subject?: string): Promise<Readable> {
    const label = subject ?? `${this.host}/${repository}`;
    const response = await this.request(repository, `blobs/${digest}`, "*/*", label, `blob ${digest}`);
    if (!response.body) return Readable.from([]);
    return Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>);
  }

  /** One authenticated GET that succeeded (2xx), or the right error for how it failed. */
  private async request(
    repository: string,
    path: string,
    accept: string,
    label: string,
    what: string,
  ): Promise<Response> {
    const url = new URL(`${this.baseUrl}/v2/${repository}/${path}`);
    const headers = { accept, "user-agent": this.options.userAgent ?? DEFAULT_USER_AGENT };

    let authorization = this.challenge
      ? await this.authorize(this.challenge, repository, label, undefined)
      : undefined;
    let response = await this.send(url, headers, authorization, label);
    if (response.status === 401) {
      const challenge = pickChallenge(parseWwwAuthenticate(response.headers.get("www-authenticate")));
      const description = await describeResponse(response);
      if (!challenge) {
        throw new RegistryAuthError(
          `${label}: access to ${what} denied without a usable challenge (${description})`,
        );
      }
      this.challenge = challenge;
      const next = await this.authorize(challenge, repository, label, authorization);
      // Basic credentials that were just refused will be refused again.
      if (next === authorization) throw await this.authFailure(label, what, description);
      authorization = next;
      response = await this.send(url, headers, authorization, label);
    }
    if (response.ok) return response;

    const description = await describeResponse(response);
    if (response.status === 401 || response.status === 403)
      throw await this.authFailure(label, what, description);
    if (response.status === 404) throw new NotFoundError(`${label}: ${what} not found (${description})`);
    const attempts = isRetryableStatus(response.status)
      ? ` after ${this.retry.maxAttempts ?? DEFAULT_MAX_ATTEMPTS} attempts`
      : "";
    throw new RegistryError(
      `${label}: registry ${this.host} failed to serve ${what}${attempts} (${description})`,
    );
  }

  private async authFailure(label: string, what: string, description: string): Promise<RegistryAuthError> {
    const credential = await this.getCredential();
    const hint = credential ? "" : `; no credentials configured for ${this.credentialHost()}`;
    return new RegistryAuthError(`${label}: access to ${what} denied (${description}${hint})`);
  }

  /**
   * Sends a GET with retries, following up to MAX_REDIRECTS redirects by hand: `fetch` would keep
   * the Authorization header across hosts, which leaks the registry token and breaks presigned URLs.
   */
  private async send(
    url: URL,
    headers: Record<string, string>,
    authorization: string | undefined,
    label: string,
  ): Promise<Response> {
    let current = url;
    let auth = authorization;
    for (let hop = 0; ; hop++) {
      const init: RequestInit = {
        method: "GET",
        redirect: "manual",
        headers: auth ? { ...headers, authorization: auth } : headers,
      };
      let response: Response;
      try {
        response = await fetchWithRetry(() => this.fetchImpl(current, init), this.retry);
      } catch (err) {
        throw new RegistryError(`${label}: cannot reach ${current.host}: ${errorText(err)}`, { cause: err });
      }
      if (![301, 302, 303, 307, 308].includes(response.status)) return response;

      const location = response.headers.get("location");
      await discardBody(response);
      if (!location)
        throw new RegistryError(`${label}: redirect from ${current.host} without a Location header`);
      if (hop >= MAX_REDIRECTS) throw new RegistryError(`${label}: more than ${MAX_REDIRECTS} redirects`);
      const next = new URL(location, current);
      if (next.protocol !== "https:" && next.protocol !== "http:") {
        throw new RegistryError(`${label}: redirect to unsupported URL scheme ${next.protocol}`);
      }
      // host includes the port: another port is another origin. Once dropped, stay dropped.
      if (next.host !== current.host) auth = undefined;
      this.logger.debug("following registry redirect", {
        from: current.host,
        to: next.host,
        status: response.status,
      });
      current = next;
    }
  }

  /**
   * The Authorization header for a challenge. `rejected` is the header the registry just refused;
   * a cached token equal to it is dropped so we fetch a fresh one.
   */
  private async authorize(
    challenge: AuthChallenge,
    repository: string,
    label: string,
    rejected: string | undefined,
  ): Promise<string> {
    const credential = await this.getCredential();
    if (challenge.scheme === "basic") {
      if (!credential) {
        throw new RegistryAuthError(
          `${label}: registry ${this.host} requires a username and password; none configured for ${this.credentialHost()}`,
        );
      }
      if (isIdentityToken(credential)) {
        throw new RegistryAuthError(
          `${label}: registry ${this.host} uses Basic auth, which cannot use the configured identity token`,
        );
      }
      return basicAuthorization(credential.username, credential.password);
    }

    const realm = challenge.params.realm;
    if (!realm)
      throw new RegistryAuthError(`${label}: registry ${this.host} sent a Bearer challenge without a realm`);
    const request = {
      registry: this.host,
      realm,
      ...(challenge.params.service !== undefined ? { service: challenge.params.service } : {}),
      scope: `repository:${repository}:pull`,
      ...(credential ? { credential } : {}),
      subject: label,
    };
    if (rejected?.startsWith("Bearer ")) this.tokens.invalidate(request, rejected.slice("Bearer ".length));
    return `Bearer ${await this.tokens.getToken(request)}`;
  }

  /** Asks the provider once per client; a provider that throws means "no credential". */
  private getCredential(): Promise<Credential | undefined> {
    const provider = this.options.credentials;
    if (!provider) return Promise.resolve(undefined);
    this.credential ??= provider(this.credentialHost()).catch((err: unknown) => {
      this.logger.warn("credential lookup failed; continuing anonymously", {
        registry: this.credentialHost(),
        error: errorText(err),
      });
      return undefined;
    });
    return this.credential;
  }

  private credentialHost(): string {
    return this.options.credentialHost ?? this.host;
  }
}
