import {
  ECRClient,
  GetAuthorizationTokenCommand,
  type GetAuthorizationTokenCommandOutput,
} from "@aws-sdk/client-ecr";
import { RegistryAuthError } from "../errors.js";
import type { Credential, CredentialProvider } from "../image/registry/credentials.js";
import { type AwsCredentialsProvider, describe } from "./sts-assume-role.js";

/** The one ECR call made here; ECRClient satisfies it, tests pass a stand-in. */
export interface EcrTokenClient {
  send(command: GetAuthorizationTokenCommand): Promise<GetAuthorizationTokenCommandOutput>;
}

export interface EcrCredentialsOptions {
  /** An ECR client for the region, acting with `credentials` (an assumed role) or the default chain. */
  createClient?: (region: string, credentials?: AwsCredentialsProvider) => EcrTokenClient;
  /** Credentials of the cross-account pull role; required when a provider is given a role. */
  assumeRole?: (roleArn: string) => AwsCredentialsProvider;
  /** Fetch a new token this long before the current one expires (tokens last 12 hours). */
  refreshMarginMs?: number;
  now?: () => number;
}

const ECR_HOST_RE = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

export function parseEcrHost(host: string): { account: string; region: string } | undefined {
  const m = ECR_HOST_RE.exec(host);
  return m ? { account: m[1] as string, region: m[2] as string } : undefined;
}

type Token = { credential: Credential; expiresAt: number };

/**
 * Registry credentials for ECR hosts from GetAuthorizationToken, cached per registry (and role)
 * until shortly before the token expires. Non-ECR hosts get undefined, so it chains with others.
 */
export class EcrCredentials {
  private readonly tokens = new Map<string, Promise<Token>>();
  private readonly clients = new Map<string, EcrTokenClient>();

  constructor(private readonly options: EcrCredentialsOptions = {}) {}

  /** A provider for one pull identity: the function's own role, or `roleArn` in a member account. */
  provider(roleArn?: string): CredentialProvider {
    return (registryHost) => this.credentialFor(registryHost, roleArn);
  }

  async credentialFor(registryHost: string, roleArn?: string): Promise<Credential | undefined> {
    const ecr = parseEcrHost(registryHost);
    if (!ecr) return undefined;
    const now = this.options.now ?? Date.now;
    const margin = this.options.refreshMarginMs ?? 5 * 60_000;
    const key = `${registryHost}|${roleArn ?? ""}`;
    const hit = this.tokens.get(key);
    if (hit) {
      const token = await hit.catch(() => undefined);
      if (token && token.expiresAt - margin > now()) return token.credential;
    }
    // Concurrent layer pulls share one call; a failed call is not cached.
    const pending = this.fetchToken(registryHost, ecr.region, roleArn);
    this.tokens.set(key, pending);
    pending.catch(() => {
      if (this.tokens.get(key) === pending) this.tokens.delete(key);
    });
    return (await pending).credential;
  }

  private client(region: string, roleArn?: string): EcrTokenClient {
    const key = `${region}|${roleArn ?? ""}`;
    let client = this.clients.get(key);
    if (!client) {
      let credentials: AwsCredentialsProvider | undefined;
      if (roleArn) {
        if (!this.options.assumeRole)
          throw new RegistryAuthError(`cannot pull with ${roleArn}: no STS role assumer configured`);
        credentials = this.options.assumeRole(roleArn);
      }
      const create =
        this.options.createClient ??
        ((r: string, c?: AwsCredentialsProvider) =>
          new ECRClient({ region: r, ...(c ? { credentials: c } : {}) }));
      client = create(region, credentials);
      this.clients.set(key, client);
    }
    return client;
  }

  private async fetchToken(host: string, region: string, roleArn?: string): Promise<Token> {
    const via = roleArn ? ` as ${roleArn}` : "";
    let output: GetAuthorizationTokenCommandOutput;
    try {
      output = await this.client(region, roleArn).send(new GetAuthorizationTokenCommand({}));
    } catch (err) {
      if (err instanceof RegistryAuthError) throw err;
      throw new RegistryAuthError(`ECR GetAuthorizationToken for ${host}${via} failed: ${describe(err)}`, {
        cause: err,
      });
    }
    const data = output.authorizationData?.[0];
    if (!data?.authorizationToken)
      throw new RegistryAuthError(`ECR GetAuthorizationToken for ${host}${via} returned no token`);
    // The token is base64("AWS:<password>"): a Basic credential for the Distribution API.
    const decoded = Buffer.from(data.authorizationToken, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon <= 0 || colon === decoded.length - 1)
      throw new RegistryAuthError(`ECR authorization token for ${host} is not "user:password"`);
    const now = (this.options.now ?? Date.now)();
    // ECR documents a 12-hour validity; assume that when expiresAt is missing.
    const expiresAt = data.expiresAt ? new Date(data.expiresAt).getTime() : now + 12 * 3_600_000;
    return {
      credential: { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) },
      expiresAt,
    };
  }
}
