import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EcrCredentials } from "../../lib/aws/ecr-credentials.js";
import { RegistryAuthError } from "../../lib/errors.js";
import { GarCredentials } from "../../lib/gcp/gar-credentials.js";
import { createGcpAccessTokenSource, externalAccountConfig } from "../../lib/gcp/workload-identity.js";
import { chainCredentials } from "../../lib/image/registry/credentials.js";
import { type GcpStsServer, startGcpStsServer } from "../helpers/gcp-sts-server.js";

const AUDIENCE =
  "//iam.googleapis.com/projects/987654321098/locations/global/workloadIdentityPools/aws-pool/providers/scanner";
const AWS = {
  accessKeyId: "ASIAQXAMPLEGARCREDS1",
  secretAccessKey: "gar-credentials-test-secret-access-key0",
  sessionToken: "gar-credentials-test-session-token",
};
const SA = "scanner@my-project.iam.gserviceaccount.com";
const SA_TOKEN = "ya29.c.gar-credentials-test";
const MINUTE = 60_000;

let sts: GcpStsServer;

beforeAll(async () => {
  sts = await startGcpStsServer({
    audience: AUDIENCE,
    aws: AWS,
    serviceAccount: { email: SA, accessToken: SA_TOKEN },
  });
});

afterAll(async () => {
  await sts?.close();
});

/** Real workload identity against the stand-in; `awsFailures` makes the first N credential reads fail. */
function garCredentials(
  options: { now?: () => number; refreshMarginMs?: number; hosts?: string[] } = {},
  awsFailures = 0,
) {
  let failures = awsFailures;
  const tokens = createGcpAccessTokenSource(
    externalAccountConfig({
      projectNumber: "987654321098",
      poolId: "aws-pool",
      providerId: "scanner",
      serviceAccountEmail: SA,
      tokenUrl: sts.tokenUrl,
      impersonationUrlBase: sts.impersonationUrlBase,
    }),
    {
      region: "eu-west-1",
      credentials: async () => {
        if (failures-- > 0) throw Object.assign(new Error("IMDS timed out"), { name: "ProviderError" });
        return AWS;
      },
    },
  );
  const start = sts.requests.length;
  return {
    gar: new GarCredentials({ tokens, ...options }),
    exchanges: () => sts.requests.slice(start).filter((r) => r.endpoint === "sts" && r.status === 200).length,
  };
}

const GAR = { username: "oauth2accesstoken", password: SA_TOKEN };

describe("GarCredentials", () => {
  it("answers Artifact Registry hosts (and listed extra hosts) only", async () => {
    const { gar, exchanges } = garCredentials({ hosts: ["127.0.0.1:5000"] });
    const provider = gar.provider();
    for (const host of [
      "docker.io",
      "ghcr.io",
      "123456789012.dkr.ecr.us-east-1.amazonaws.com",
      "gcr.io",
      "pkg.dev",
    ])
      expect(await provider(host)).toBeUndefined();
    expect(exchanges()).toBe(0);
    expect(await provider("europe-west4-docker.pkg.dev")).toEqual(GAR);
    expect(await provider("us-docker.pkg.dev")).toEqual(GAR);
    expect(await provider("127.0.0.1:5000")).toEqual(GAR);
    expect(exchanges()).toBe(1);
  });

  it("shares one exchange between concurrent callers", async () => {
    const { gar, exchanges } = garCredentials();
    const provider = gar.provider();
    const all = await Promise.all(Array.from({ length: 8 }, () => provider("us-central1-docker.pkg.dev")));
    expect(new Set(all.map((c) => JSON.stringify(c)))).toEqual(new Set([JSON.stringify(GAR)]));
    expect(exchanges()).toBe(1);
  });

  it("refreshes the token 5 minutes before it expires by default", async () => {
    const clock = { now: Date.now() };
    const { gar, exchanges } = garCredentials({ now: () => clock.now });
    const provider = gar.provider();
    await provider("us-central1-docker.pkg.dev");
    clock.now += 54 * MINUTE;
    await provider("us-central1-docker.pkg.dev");
    expect(exchanges()).toBe(1);
    clock.now += 2 * MINUTE; // 4 minutes left
    await Promise.all([provider("us-central1-docker.pkg.dev"), provider("asia-docker.pkg.dev")]);
    expect(exchanges()).toBe(2);
  });

  it("honours a custom refresh margin", async () => {
    const clock = { now: Date.now() };
    const { gar, exchanges } = garCredentials({ now: () => clock.now, refreshMarginMs: 30 * MINUTE });
    await gar.credentialFor("us-docker.pkg.dev");
    clock.now += 29 * MINUTE;
    await gar.credentialFor("us-docker.pkg.dev");
    expect(exchanges()).toBe(1);
    clock.now += 2 * MINUTE;
    await gar.credentialFor("us-docker.pkg.dev");
    expect(exchanges()).toBe(2);
  });

  it("does not cache a failed exchange", async () => {
    const { gar, exchanges } = garCredentials({}, 1);
    const provider = gar.provider();
    const [a, b] = await Promise.allSettled([provider("us-docker.pkg.dev"), provider("us-docker.pkg.dev")]);
    // Both callers shared the one failed attempt.
    expect(a.status).toBe("rejected");
    expect(b.status).toBe("rejected");
    const reason = (a as PromiseRejectedResult).reason as Error;
    expect(reason).toBeInstanceOf(RegistryAuthError);
    expect(reason.message).toMatch(/reading the AWS credentials failed: ProviderError: IMDS timed out$/);
    expect((b as PromiseRejectedResult).reason).toBe(reason);
    expect(await provider("us-docker.pkg.dev")).toEqual(GAR);
    expect(exchanges()).toBe(1);
  });

  it("chains after the ECR provider: GAR hosts get the GAR token, unknown hosts nothing", async () => {
    const { gar } = garCredentials();
    const chain = chainCredentials(new EcrCredentials().provider(), gar.provider());
    expect(await chain("us-central1-docker.pkg.dev")).toEqual(GAR);
    expect(await chain("quay.io")).toBeUndefined();
  });
});
