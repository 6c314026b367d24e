import { AwsClient, type AwsSecurityCredentialsSupplier } from "google-auth-library";
import { z } from "zod";
import type { AwsCredentialsProvider } from "../aws/sts-assume-role.js";
import { PortcullisError, RegistryAuthError } from "../errors.js";
import { firstIssue, issuePath } from "../policy/zod-issue.js";

/**
 * Workload identity federation from AWS: the Lambda's role signs an STS GetCallerIdentity request,
 * Google's STS exchanges it for a federated token, and (optionally) IAM Credentials turns that into
 * a service account's access token. No GCP key file exists anywhere.
 */

export const AWS_SUBJECT_TOKEN_TYPE = "urn:ietf:params:aws:token-type:aws4_request";
export const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";
export const GOOGLE_STS_TOKEN_URL = "https://sts.googleapis.com/v1/token";
export const GOOGLE_IAM_CREDENTIALS_URL = "https://iamcredentials.googleapis.com";

/** The configuration is unusable (a deployment bug, not a registry refusal). */
export class WorkloadIdentityConfigError extends PortcullisError {
  override name = "WorkloadIdentityConfigError";
}

// Pool and provider ids: 4-32 lowercase letters, digits and hyphens (the "gcp-" prefix is reserved).
const ID_RE = /^(?!gcp-)[a-z0-9][a-z0-9-]{2,30}[a-z0-9]$/;
// name@project.iam.gserviceaccount.com, and Google-managed ones such as 123-compute@developer....
const SERVICE_ACCOUNT_RE =
  /^[a-z0-9][a-z0-9-]{0,62}@[a-z0-9](?:[a-z0-9.-]{0,200}[a-z0-9])?\.gserviceaccount\.com$/;
const SCOPE_RE = /^https:\/\/www\.googleapis\.com\/auth\/[a-z0-9._/-]+$/;

/** https only, except plain http to loopback so tests can stand in for Google. */
const endpoint = z.string().refine((value) => {
  try {
    const url = new URL(value);
    if (url.username || url.password || url.hash) return false;
    return url.protocol === "https:" || (url.protocol === "http:" && isLoopback(url.hostname));
  } catch {
    return false;
  }
}, "must be an https URL (http only to 127.0.0.1 or localhost)");

export const WorkloadIdentitySettingsSchema = z.strictObject({
  /** The GCP project number (not id) that holds the workload identity pool. */
  projectNumber: z.string().regex(/^[1-9]\d{0,19}$/, "must be a GCP project number"),
  poolId: z.string().regex(ID_RE, "must be a workload identity pool id"),
  providerId: z.string().regex(ID_RE, "must be a workload identity pool provider id"),
  /** Impersonate this service account; without it the federated principal itself needs GAR access. */
  serviceAccountEmail: z.string().regex(SERVICE_ACCOUNT_RE, "must be a service account email").optional(),
  /** Google's STS token endpoint; defaults to https://sts.googleapis.com/v1/token. */
  tokenUrl: endpoint.optional(),
  /** IAM Credentials API origin; defaults to https://iamcredentials.googleapis.com. */
  impersonationUrlBase: endpoint.optional(),
  scopes: z.array(z.string().regex(SCOPE_RE, "must be a Google OAuth scope URL")).min(1).max(20).optional(),
});

export type WorkloadIdentitySettings = z.infer<typeof WorkloadIdentitySettingsSchema>;

/** The standard `external_account` credential configuration, minus `credential_source` (we supply AWS credentials). */
export interface ExternalAccountConfig {
  type: "external_account";
  audience: string;
  subject_token_type: typeof AWS_SUBJECT_TOKEN_TYPE;
  token_url: string;
  service_account_impersonation_url?: string;
  scopes: string[];
}

/** Validates settings from configuration; `where` names their origin (e.g. an env var) in errors. */
export function parseWorkloadIdentitySettings(input: unknown, where = "workload identity settings") {
  const parsed = WorkloadIdentitySettingsSchema.safeParse(input);
  if (!parsed.success) {
    const { path, message } = firstIssue(parsed.error);
    throw new WorkloadIdentityConfigError(`${where}: ${issuePath(path)} ${message}`);
  }
  return parsed.data;
}

export function workloadIdentityAudience(
  s: Pick<WorkloadIdentitySettings, "projectNumber" | "poolId" | "providerId">,
) {
  return `//iam.googleapis.com/projects/${s.projectNumber}/locations/global/workloadIdentityPools/${s.poolId}/providers/${s.providerId}`;
}

/** What `gcloud iam workload-identity-pools create-cred-config --aws` writes, for our settings. */
export function externalAccountConfig(settings: WorkloadIdentitySettings): ExternalAccountConfig {
  const s = parseWorkloadIdentitySettings(settings);
  const base = (s.impersonationUrlBase ?? GOOGLE_IAM_CREDENTIALS_URL).replace(/\/+$/, "");
  return {
    type: "external_account",
    audience: workloadIdentityAudience(s),
    subject_token_type: AWS_SUBJECT_TOKEN_TYPE,
    token_url: s.tokenUrl ?? GOOGLE_STS_TOKEN_URL,
    ...(s.serviceAccountEmail
      ? {
          service_account_impersonation_url: `${base}/v1/projects/-/serviceAccounts/${s.serviceAccountEmail}:generateAccessToken`,
        }
      : {}),
    scopes: s.scopes ?? [CLOUD_PLATFORM_SCOPE],
  };
}

/** The AWS identity to federate: the Lambda adapter passes its region and the SDK's default chain. */
export interface AwsIdentity {
  region: string;
  credentials: AwsCredentialsProvider;
}

export interface GcpAccessToken {
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export interface GcpAccessTokenSource {
  /** Performs one exchange per call: callers (GarCredentials) own caching. */
  accessToken(): Promise<GcpAccessToken>;
}

/** STS federated tokens last an hour; assumed when a response carries no expiry. */
const DEFAULT_LIFETIME_MS = 3_600_000;

export function createGcpAccessTokenSource(
  config: ExternalAccountConfig,
  aws: AwsIdentity,
  options: { now?: () => number } = {},
): GcpAccessTokenSource {
  const now = options.now ?? Date.now;
  const impersonating = config.service_account_impersonation_url;
  const sa = impersonating
    ? /serviceAccounts\/([^:/]+):generateAccessToken$/.exec(impersonating)?.[1]
    : undefined;
  const who = `GCP workload identity ${config.audience}${sa ? ` as ${sa}` : ""}`;

  return {
    async accessToken() {
      let awsFailure: unknown;
      const supplier = awsSupplier(aws, (err) => {
        awsFailure = err;
      });
      let client: AwsClient;
      let token: string | null | undefined;
      try {
        // A fresh client per exchange: the library's own cache would hide expiry from our caller.
        client = new AwsClient({ ...config, aws_security_credentials_supplier: supplier });
        token = (await client.getAccessToken()).token;
      } catch (err) {
        const step =
          awsFailure !== undefined
            ? "reading the AWS credentials"
            : impersonating !== undefined && failedUrl(err) === impersonating
              ? `impersonating ${sa}`
              : `the token exchange at ${config.token_url}`;
        throw new RegistryAuthError(`${who}: ${step} failed: ${describeGoogleError(err)}`, {
          cause: redacted(err),
        });
      }
      if (!token) throw new RegistryAuthError(`${who}: the token exchange returned no access token`);
      const expiry = client.credentials.expiry_date;
      const expiresAt = expiry === undefined || expiry === null ? now() + DEFAULT_LIFETIME_MS : expiry;
      if (!Number.isFinite(expiresAt))
        throw new RegistryAuthError(`${who}: the access token came with an unreadable expiry time`);
      return { token, expiresAt };
    },
  };
}

/**
 * A google-auth-library client for Google's own API clients (e.g. Artifact Registry's list calls):
 * it signs with the given AWS identity and caches and refreshes its token itself.
 */
export function createExternalAccountAuthClient(config: ExternalAccountConfig, aws: AwsIdentity): AwsClient {
  return new AwsClient({ ...config, aws_security_credentials_supplier: awsSupplier(aws) });
}

/** The programmatic supplier: lib/ never reads AWS_* variables or IMDS, the adapter passes its chain. */
function awsSupplier(aws: AwsIdentity, onFailure?: (err: unknown) => void): AwsSecurityCredentialsSupplier {
  return {
    getAwsRegion: async () => aws.region,
    getAwsSecurityCredentials: async () => {
      try {
        const c = await aws.credentials();
        return {
          accessKeyId: c.accessKeyId,
          secretAccessKey: c.secretAccessKey,
          ...(c.sessionToken ? { token: c.sessionToken } : {}),
        };
      } catch (err) {
        onFailure?.(err);
        throw err;
      }
    },
  };
}

function isLoopback(hostname: string): boolean {
  return hostname === "127.0.0.1" || hostname === "localhost" || hostname === "[::1]";
}

type GaxiosLike = { status?: number; response?: { status?: number }; config?: { url?: unknown } };

function failedUrl(err: unknown): string | undefined {
  const url = (err as GaxiosLike | undefined)?.config?.url;
  return url === undefined ? undefined : String(url);
}

/** "HTTP 403: <Google's message>": status and the server's words, never request data. */
function describeGoogleError(err: unknown): string {
  const e = err as GaxiosLike & { name?: string; message?: string };
  const status = e?.status ?? e?.response?.status;
  const message = err instanceof Error ? err.message : String(err);
  return status ? `HTTP ${status}: ${message}` : err instanceof Error ? `${e.name}: ${message}` : message;
}

/**
 * The library's errors carry the request (the signed AWS request with its session token, the
 * federated token in a header). Keep name, message and status only, so logs never hold a token.
 */
function redacted(err: unknown): Error {
  const e = err as GaxiosLike & { name?: string };
  const copy = new Error(err instanceof Error ? err.message : String(err));
  copy.name = typeof e?.name === "string" ? e.name : "Error";
  const status = e?.status ?? e?.response?.status;
  if (status !== undefined) Object.assign(copy, { status });
  return copy;
}
