import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
  jwtVerify,
} from "jose";

/** Google's OIDC signing keys; Pub/Sub push tokens are signed with them. */
export const GOOGLE_JWKS_URL = "https://www.googleapis.com/oauth2/v3/certs";
/** Google writes either form into `iss` (https://developers.google.com/identity/openid-connect/openid-connect#validatinganidtoken). */
export const GOOGLE_ISSUERS = ["https://accounts.google.com", "accounts.google.com"];

export interface PushTokenVerifierOptions {
  /** The audience the push subscription was configured with (default: the push endpoint URL). */
  audience: string;
  /** The service account the subscription signs its tokens as. */
  serviceAccountEmail: string;
  /** Where the signing keys are fetched from; default Google's JWKS. */
  jwksUrl?: string;
  /** A fixed key set instead of fetching one (tests, air-gapped checks). */
  jwks?: JSONWebKeySet;
  /** Allowed clock skew for exp/iat; default 30 s. */
  clockToleranceSeconds?: number;
  /** Timeout of one JWKS fetch; default 3000 ms. Lambda has little time to wait on a slow endpoint. */
  fetchTimeoutMs?: number;
  now?: () => Date;
}

export type PushTokenResult =
  | { ok: true; email: string; subject: string }
  | { ok: false; reason: string; retryable?: true };

/** What the intake needs from a verifier: the raw Authorization header in, a verdict out. */
export interface PushTokenVerifier {
  verify(authorization: string | undefined): Promise<PushTokenResult>;
}

/** Longer than any Google ID token (about 1 KiB); longer headers are refused before any parsing. */
export const MAX_AUTHORIZATION_LENGTH = 8192;
// One scheme, one space, one compact JWS: a second header merged in with a comma does not match.
const BEARER_RE = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i;

/** The key set could not be fetched or read: not the token's fault, so the push is retried. */
class JwksUnavailableError extends Error {
  override name = "JwksUnavailableError";
}

// Errors that say the token names a key we do not have or cannot use; anything else while
// resolving keys is the endpoint failing (network, timeout, non-200, not a key set).
const TOKEN_KEY_ERRORS = [
  errors.JWKSNoMatchingKey,
  errors.JWKSMultipleMatchingKeys,
  errors.JOSENotSupported,
  errors.JWKInvalid,
  errors.JOSEAlgNotAllowed,
];

/**
 * Verifies the OIDC token Pub/Sub attaches to each push
 * (https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions). Bad tokens are answered,
 * never thrown; an unreachable key set is reported as retryable.
 */
export function createPushTokenVerifier(options: PushTokenVerifierOptions): PushTokenVerifier {
  const keys = keyResolver(options);
  const expectedEmail = options.serviceAccountEmail.toLowerCase();
  return {
    async verify(authorization) {
      if (authorization === undefined || authorization === "") return deny("no Authorization header");
      if (authorization.length > MAX_AUTHORIZATION_LENGTH) return deny("Authorization header too long");
      const match = BEARER_RE.exec(authorization);
      if (!match) return deny("Authorization is not a single Bearer token");
      try {
        const { payload } = await jwtVerify(match[1] as string, keys, {
          algorithms: ["RS256"],
          issuer: GOOGLE_ISSUERS,
          audience: options.audience,
          clockTolerance: options.clockToleranceSeconds ?? 30,
          requiredClaims: ["exp", "iat", "email", "email_verified"],
          ...(options.now ? { currentDate: options.now() } : {}),
        });
        if (payload.email_verified !== true) return deny("email_verified is not true");
        if (typeof payload.email !== "string" || payload.email.toLowerCase() !== expectedEmail)
          return deny(`token is for another service account (${String(payload.email).slice(0, 100)})`);
        return {
          ok: true,
          email: payload.email,
          subject: typeof payload.sub === "string" ? payload.sub : "",
        };
      } catch (err) {
        if (err instanceof JwksUnavailableError) return { ok: false, reason: err.message, retryable: true };
        return deny(describe(err));
      }
    },
  };
}

function keyResolver(options: PushTokenVerifierOptions): JWTVerifyGetKey {
  if (options.jwks) return createLocalJWKSet(options.jwks);
  const remote = createRemoteJWKSet(new URL(options.jwksUrl ?? GOOGLE_JWKS_URL), {
    timeoutDuration: options.fetchTimeoutMs ?? 3000,
  });
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (err) {
      if (TOKEN_KEY_ERRORS.some((type) => err instanceof type)) throw err;
      const detail = err instanceof Error ? err.message : String(err);
      throw new JwksUnavailableError(`signing keys unavailable: ${detail.slice(0, 200)}`, { cause: err });
    }
  };
}

function deny(reason: string): PushTokenResult {
  return { ok: false, reason };
}

// jose's messages name the failed check without echoing the token, so they are safe to log.
function describe(err: unknown): string {
  if (err instanceof errors.JOSEError) return `${err.code}: ${err.message}`.slice(0, 300);
  return `token rejected: ${err instanceof Error ? err.message.slice(0, 200) : "unknown error"}`;
}
