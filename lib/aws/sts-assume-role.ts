import { AssumeRoleCommand, type AssumeRoleCommandOutput } from "@aws-sdk/client-sts";
import { PortcullisError } from "../errors.js";

/** The one STS call made here; STSClient satisfies it, tests pass a stand-in. */
export interface StsAssumeRoleClient {
  send(command: AssumeRoleCommand): Promise<AssumeRoleCommandOutput>;
}

export interface AssumeRoleOptions {
  client: StsAssumeRoleClient;
  /** The ExternalId the member account's trust policy requires, if any. */
  externalId?: string;
  sessionName?: string;
  durationSeconds?: number;
  /** Refresh this long before the credentials expire. */
  refreshMarginMs?: number;
  now?: () => number;
}

export class AssumeRoleError extends PortcullisError {
  override name = "AssumeRoleError";
}

/** Structurally the SDK's AwsCredentialIdentity: what `credentials` of any client accepts. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}
export type AwsCredentialsProvider = () => Promise<AwsCredentials>;

type Cached = { identity: AwsCredentials & { expiration: Date } };

/** Credentials of assumed roles, cached per role until shortly before they expire. */
export class AssumeRoleCredentials {
  private readonly cache = new Map<string, Promise<Cached>>();

  constructor(private readonly options: AssumeRoleOptions) {}

  /** A credential provider for the SDK clients that act in the member account. */
  provider(roleArn: string): AwsCredentialsProvider {
    return () => this.credentials(roleArn);
  }

  async credentials(roleArn: string): Promise<AwsCredentials & { expiration: Date }> {
    const now = this.options.now ?? Date.now;
    const margin = this.options.refreshMarginMs ?? 5 * 60_000;
    const hit = this.cache.get(roleArn);
    if (hit) {
      const cached = await hit.catch(() => undefined);
      if (cached && cached.identity.expiration.getTime() - margin > now()) return cached.identity;
    }
    // Concurrent callers share one AssumeRole call; a failure is not cached.
    const pending = this.assume(roleArn);
    this.cache.set(roleArn, pending);
    pending.catch(() => {
      if (this.cache.get(roleArn) === pending) this.cache.delete(roleArn);
    });
    return (await pending).identity;
  }

  private async assume(roleArn: string): Promise<Cached> {
    const { client, externalId, sessionName = "portcullis-scan", durationSeconds = 3600 } = this.options;
    let output: AssumeRoleCommandOutput;
    try {
      output = await client.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: sessionName,
          DurationSeconds: durationSeconds,
          ...(externalId ? { ExternalId: externalId } : {}),
        }),
      );
    } catch (err) {
      throw new AssumeRoleError(`cannot assume ${roleArn}: ${describe(err)}`, { cause: err });
    }
    const c = output.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration)
      throw new AssumeRoleError(`AssumeRole for ${roleArn} returned no credentials`);
    return {
      identity: {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: new Date(c.Expiration),
      },
    };
  }
}

export function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
