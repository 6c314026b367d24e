import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryAuthError } from "../../lib/errors.js";
import { GarCredentials } from "../../lib/gcp/gar-credentials.js";
import {
  createGcpAccessTokenSource,
  externalAccountConfig,
  parseWorkloadIdentitySettings,
  WorkloadIdentityConfigError,
  type WorkloadIdentitySettings,
} from "../../lib/gcp/workload-identity.js";
import { type GcpStsServer, startGcpStsServer } from "../helpers/gcp-sts-server.js";

const SETTINGS = {
  projectNumber: "123456789012",
  poolId: "aws-pool",
  providerId: "portcullis-lambda",
  serviceAccountEmail: "gar-reader@my-project.iam.gserviceaccount.com",
} satisfies WorkloadIdentitySettings;
const AUDIENCE =
  "//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/aws-pool/providers/portcullis-lambda";
// The shape of a Lambda role's temporary credentials (made up, valid for nothing).
const AWS = {
  accessKeyId: "ASIAQXAMPLE7LAMBDA01",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  sessionToken: "IQoJb3JpZ2luX2VjEXAMPLE//////////session-token-of-the-lambda-role",
};
const SA_TOKEN = "ya29.c.test-service-account-token";

let sts: GcpStsServer;

beforeAll(async () => {
  sts = await startGcpStsServer({
    audience: AUDIENCE,
    aws: AWS,
    region: "us-west-2",
    serviceAccount: { email: SETTINGS.serviceAccountEmail, accessToken: SA_TOKEN },
  });
});

afterAll(async () => {
  await sts?.close();
});

function local(settings: WorkloadIdentitySettings = SETTINGS): WorkloadIdentitySettings {
  return { ...settings, tokenUrl: sts.tokenUrl, impersonationUrlBase: sts.impersonationUrlBase };
}

function awsIdentity(credentials: Partial<typeof AWS> = AWS, region = "us-west-2") {
  let calls = 0;
  return {
    region,
    credentials: async () => {
      calls++;
      return { ...AWS, ...credentials };
    },
    calls: () => calls,
  };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RegistryAuthError);
  return err as Error;
}

/** Neither message nor cause may carry a credential (they end up in logs). */
function expectNoSecrets(err: Error) {
  const text = `${err.message} ${JSON.stringify(err.cause, Object.getOwnPropertyNames(err.cause ?? {}))}`;
  for (const secret of [AWS.secretAccessKey, AWS.sessionToken, sts.federatedToken, SA_TOKEN])
    expect(text).not.toContain(secret);
  expect(Object.keys(err.cause ?? {})).not.toContain("config");
}

describe("externalAccountConfig", () => {
  it("builds the standard external_account configuration with service account impersonation", () => {
    expect(externalAccountConfig(SETTINGS)).toEqual({
      type: "external_account",
      audience: AUDIENCE,
      subject_token_type: "urn:ietf:params:aws:token-type:aws4_request",
      token_url: "https://sts.googleapis.com/v1/token",
      service_account_impersonation_url:
        "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/gar-reader@my-project.iam.gserviceaccount.com:generateAccessToken",
      scopes: ["https://www.googleapis.com/auth/cloud-platform"],
    });
  });

  it("leaves impersonation out without a service account, and honours endpoints and scopes", () => {
    const { serviceAccountEmail: _, ...direct } = SETTINGS;
    const config = externalAccountConfig({
      ...direct,
      tokenUrl: "http://127.0.0.1:9/v1/token",
      scopes: ["https://www.googleapis.com/auth/devstorage.read_only"],
    });
    expect(config).not.toHaveProperty("service_account_impersonation_url");
    expect(config.token_url).toBe("http://127.0.0.1:9/v1/token");
    expect(config.scopes).toEqual(["https://www.googleapis.com/auth/devstorage.read_only"]);
    expect(
      externalAccountConfig({ ...SETTINGS, impersonationUrlBase: "https://iam.example.internal/" })
        .service_account_impersonation_url,
    ).toBe(
      "https://iam.example.internal/v1/projects/-/serviceAccounts/gar-reader@my-project.iam.gserviceaccount.com:generateAccessToken",
    );
  });

  it.each([
    [{ projectNumber: "my-project" }, /projectNumber must be a GCP project number/],
    [{ poolId: "gcp-reserved" }, /poolId must be a workload identity pool id/],
    [{ providerId: "AWS" }, /providerId must be a workload identity pool provider id/],
    [{ serviceAccountEmail: "someone@gmail.com" }, /serviceAccountEmail must be a service account email/],
    [{ tokenUrl: "http://sts.example.com/v1/token" }, /tokenUrl must be an https URL/],
    [{ scopes: ["cloud-platform"] }, /scopes\[0\] must be a Google OAuth scope URL/],
    [{ poolID: "aws-pool" }, /Unrecognized key/],
  ])("rejects %o", (change, message) => {
    const err = (() => {
      try {
        externalAccountConfig({ ...SETTINGS, ...change } as WorkloadIdentitySettings);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(WorkloadIdentityConfigError);
    expect((err as Error).message).toMatch(message);
  });

  it("names where bad settings came from", () => {
    expect(() => parseWorkloadIdentitySettings({ ...SETTINGS, projectNumber: 1 }, "GCP_WIF_CONFIG")).toThrow(
      /^GCP_WIF_CONFIG: projectNumber /,
    );
  });
});

describe("createGcpAccessTokenSource", () => {
  it("exchanges the signed AWS identity at STS, then impersonates the service account", async () => {
    const before = sts.requests.length;
    const aws = awsIdentity();
    const source = createGcpAccessTokenSource(externalAccountConfig(local()), aws);
    const started = Date.now();
    const token = await source.accessToken();
    expect(token.token).toBe(SA_TOKEN);
    expect(token.expiresAt).toBeGreaterThanOrEqual(started + 3_599_000);
    expect(token.expiresAt).toBeLessThanOrEqual(Date.now() + 3_600_000);
    expect(aws.calls()).toBe(1);
    const [exchange, impersonation, ...rest] = sts.requests.slice(before);
    expect(rest).toEqual([]);
    expect(exchange).toMatchObject({
      endpoint: "sts",
      status: 200,
      audience: AUDIENCE,
      scope: "https://www.googleapis.com/auth/cloud-platform",
      accessKeyId: AWS.accessKeyId,
      region: "us-west-2",
    });
    expect(exchange?.signedHeaders).toEqual(
      expect.arrayContaining(["host", "x-amz-date", "x-amz-security-token"]),
    );
    expect(impersonation).toEqual({
      endpoint: "impersonation",
      status: 200,
      serviceAccount: SETTINGS.serviceAccountEmail,
      scopes: ["https://www.googleapis.com/auth/cloud-platform"],
      lifetime: "3600s",
    });
  });

  it("uses the federated token itself when no service account is configured", async () => {
    const { serviceAccountEmail: _, ...direct } = SETTINGS;
    const before = sts.requests.length;
    const started = Date.now();
    const token = await createGcpAccessTokenSource(
      externalAccountConfig(local(direct)),
      awsIdentity(),
    ).accessToken();
    expect(token.token).toBe(sts.federatedToken);
    expect(token.expiresAt).toBeGreaterThanOrEqual(started + 3_600_000);
    expect(sts.requests.slice(before).map((r) => r.endpoint)).toEqual(["sts"]);
  });

  it("performs one exchange per call (GarCredentials caches)", async () => {
    const before = sts.requests.length;
    const source = createGcpAccessTokenSource(externalAccountConfig(local()), awsIdentity());
    await source.accessToken();
    await source.accessToken();
    expect(sts.requests.slice(before).map((r) => r.endpoint)).toEqual([
      "sts",
      "impersonation",
      "sts",
      "impersonation",
    ]);
  });

  it("fails with a clear RegistryAuthError when the audience names another provider", async () => {
    const source = createGcpAccessTokenSource(
      externalAccountConfig(local({ ...SETTINGS, providerId: "someone-else" })),
      awsIdentity(),
    );
    const err = await failure(source.accessToken());
    expect(err.message).toBe(
      `GCP workload identity ${AUDIENCE.replace("portcullis-lambda", "someone-else")} as ${SETTINGS.serviceAccountEmail}: ` +
        `the token exchange at ${sts.tokenUrl} failed: HTTP 400: Error code invalid_target: ` +
        "The target service indicated by the audience parameter is invalid.",
    );
    expectNoSecrets(err);
  });

  it("fails when the AWS signature does not verify (wrong secret), without leaking credentials", async () => {
    const before = sts.requests.length;
    const source = createGcpAccessTokenSource(
      externalAccountConfig(local()),
      awsIdentity({ secretAccessKey: "not-the-secret-aws-knows" }),
    );
    const err = await failure(source.accessToken());
    expect(err.message).toMatch(
      /the token exchange at .* failed: HTTP 400: Error code invalid_grant: Received invalid AWS response of type SignatureDoesNotMatch/,
    );
    expect(err.cause).toBeInstanceOf(Error);
    expectNoSecrets(err);
    expect(sts.requests.slice(before).map((r) => [r.endpoint, r.status])).toEqual([["sts", 400]]);
  });

  it("fails when the request is signed for another region than the provider expects", async () => {
    const source = createGcpAccessTokenSource(externalAccountConfig(local()), awsIdentity(AWS, "eu-west-1"));
    const err = await failure(source.accessToken());
    expect(err.message).toMatch(/invalid_grant: Invalid AWS subject token: region must be us-west-2/);
  });

  it("fails when the session token is missing from the signed request", async () => {
    const { sessionToken: _, ...longTerm } = AWS;
    const source = createGcpAccessTokenSource(externalAccountConfig(local()), {
      region: "us-west-2",
      credentials: async () => longTerm,
    });
    const err = await failure(source.accessToken());
    expect(err.message).toMatch(/InvalidClientTokenId/);
  });

  it("names the impersonation step when the service account may not be impersonated", async () => {
    const other = "other-sa@my-project.iam.gserviceaccount.com";
    const source = createGcpAccessTokenSource(
      externalAccountConfig(local({ ...SETTINGS, serviceAccountEmail: other })),
      awsIdentity(),
    );
    const err = await failure(source.accessToken());
    expect(err.message).toMatch(
      new RegExp(
        `^GCP workload identity .* as ${other}: impersonating ${other} failed: HTTP 403: .*iam\\.serviceAccounts\\.getAccessToken`,
      ),
    );
    expectNoSecrets(err);
  });

  it("names the AWS side when the Lambda's credentials cannot be read", async () => {
    const source = createGcpAccessTokenSource(externalAccountConfig(local()), {
      region: "us-west-2",
      credentials: async () => {
        throw Object.assign(new Error("Could not load credentials from any providers"), {
          name: "CredentialsProviderError",
        });
      },
    });
    const err = await failure(source.accessToken());
    expect(err.message).toMatch(
      /: reading the AWS credentials failed: CredentialsProviderError: Could not load credentials from any providers$/,
    );
  });
});

describe("GarCredentials over workload identity", () => {
  it("caches the exchanged token across calls and registries until the refresh margin", async () => {
    const clock = { now: Date.now() };
    const before = sts.requests.length;
    const gar = new GarCredentials({
      tokens: createGcpAccessTokenSource(externalAccountConfig(local()), awsIdentity()),
      now: () => clock.now,
    });
    const provider = gar.provider();
    const creds = await Promise.all([
      provider("us-central1-docker.pkg.dev"),
      provider("us-central1-docker.pkg.dev"),
      provider("europe-docker.pkg.dev"),
    ]);
    expect(creds).toEqual(Array(3).fill({ username: "oauth2accesstoken", password: SA_TOKEN }));
    clock.now += 50 * 60_000;
    await provider("us-central1-docker.pkg.dev");
    expect(sts.requests.slice(before).filter((r) => r.endpoint === "sts")).toHaveLength(1);
    clock.now += 6 * 60_000; // 4 minutes before expiry
    await provider("us-central1-docker.pkg.dev");
    expect(sts.requests.slice(before).filter((r) => r.endpoint === "sts")).toHaveLength(2);
  });
});
