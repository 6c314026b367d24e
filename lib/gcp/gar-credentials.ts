import type { Credential, CredentialProvider } from "../image/registry/credentials.js";
import { isGarHost } from "./gar-reference.js";
import type { GcpAccessToken, GcpAccessTokenSource } from "./workload-identity.js";

/** The username Artifact Registry expects with an OAuth2 access token (`docker login -u oauth2accesstoken`). */
export const GAR_TOKEN_USERNAME = "oauth2accesstoken";

export interface GarCredentialsOptions {
  /** Where access tokens come from: workload identity federation in the Lambda. */
  tokens: GcpAccessTokenSource;
  /** Extra hosts to answer besides `*-docker.pkg.dev` (mirrors, or a local registry in tests). */
  hosts?: readonly string[];
  /** Fetch a new token this long before the current one expires (tokens last about an hour). */
  refreshMarginMs?: number;
  now?: () => number;
}

/**
 * Registry credentials for Artifact Registry hosts. One GCP access token serves every GAR host and
 * repository, so there is one cache entry, refreshed shortly before expiry. Other hosts get
 * undefined, so it chains after the ECR provider.
 */
export class GarCredentials {
  /** The current token: in flight until `value` is set. */
  private entry?: { token: Promise<GcpAccessToken>; value?: GcpAccessToken };
  private readonly hosts: ReadonlySet<string>;

  constructor(private readonly options: GarCredentialsOptions) {
    this.hosts = new Set(options.hosts ?? []);
  }

  provider(): CredentialProvider {
    return (registryHost) => this.credentialFor(registryHost);
  }

  async credentialFor(registryHost: string): Promise<Credential | undefined> {
    if (!isGarHost(registryHost) && !this.hosts.has(registryHost)) return undefined;
    const now = this.options.now ?? Date.now;
    const margin = this.options.refreshMarginMs ?? 5 * 60_000;
    const entry = this.entry;
    // Concurrent layer pulls share one exchange, and its outcome.
    if (entry && !entry.value) return credential(await entry.token);
    if (entry?.value && entry.value.expiresAt - margin > now()) return credential(entry.value);
    const next: { token: Promise<GcpAccessToken>; value?: GcpAccessToken } = {
      token: this.options.tokens.accessToken(),
    };
    this.entry = next;
    next.token.then(
      (value) => {
        next.value = value;
      },
      // A failed exchange is not cached: the next caller tries again.
      () => {
        if (this.entry === next) this.entry = undefined;
      },
    );
    return credential(await next.token);
  }
}

function credential(token: GcpAccessToken): Credential {
  return { username: GAR_TOKEN_USERNAME, password: token.token };
}
