import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EcrCredentials } from "../../lib/aws/ecr-credentials.js";
import { RegistryAuthError } from "../../lib/errors.js";
import { GarCredentials } from "../../lib/gcp/gar-credentials.js";
import {
  createGcpAccessTokenSource,
  externalAccountConfig,
  type WorkloadIdentitySettings,
} from "../../lib/gcp/workload-identity.js";
import { parseReference } from "../../lib/image/reference.js";
import { chainCredentials } from "../../lib/image/registry/credentials.js";
import { RegistrySource } from "../../lib/image/registry/registry-source.js";
import { scanImage } from "../../lib/scan.js";
import { imageName, type ScanJob } from "../../lib/stores/scan-job.js";
import { type GcpStsServer, startGcpStsServer } from "../helpers/gcp-sts-server.js";
import {
  makeSmallImage,
  type PushedImage,
  pushImage,
  startRegistry,
  type TestRegistry,
} from "../helpers/registry.js";

/**
 * A GAR pull as the scan worker does it: AWS identity → Google STS → service account token →
 * Bearer token auth on `us-central1-docker.pkg.dev` with user `oauth2accesstoken`. Only the
 * registry host is redirected to the local distribution registry; the rest is real.
 */
const GAR_HOST = "us-central1-docker.pkg.dev";
const AUDIENCE =
  "//iam.googleapis.com/projects/555555555555/locations/global/workloadIdentityPools/aws-pool/providers/scan-worker";
const AWS = {
  accessKeyId: "ASIAQXAMPLEGARPULL01",
  secretAccessKey: "gar-pull-test-secret-access-key-0000000",
  sessionToken: "gar-pull-test-session-token",
};
const SA = "gar-reader@my-project.iam.gserviceaccount.com";
const SA_TOKEN = "ya29.c.gar-reader-access-token";

let registry: TestRegistry;
let sts: GcpStsServer;
let pushed: PushedImage;

beforeAll(async () => {
  sts = await startGcpStsServer({
    audience: AUDIENCE,
    aws: AWS,
    serviceAccount: { email: SA, accessToken: SA_TOKEN },
  });
  registry = await startRegistry({ auth: "token", username: "oauth2accesstoken", password: SA_TOKEN });
  pushed = await pushImage(registry, "my-project/containers/api", "v1", await makeSmallImage("gar"));
}, 30_000);

afterAll(async () => {
  await registry?.stop();
  await sts?.close();
});

function job(): ScanJob {
  return {
    v: 1,
    provider: "gar",
    account: "my-project",
    region: "us-central1",
    repository: "containers/api",
    digest: pushed.manifestDigest,
    registry: GAR_HOST,
    reason: "push",
    eventTime: "2026-01-01T00:00:00Z",
  };
}

/** The one piece of plumbing: GAR's origin goes to the local registry. */
const toLocalRegistry: typeof fetch = (input, init) => {
  const url = input instanceof Request ? input.url : String(input);
  const local = url.replace(`https://${GAR_HOST}/`, `${registry.url}/`);
  return input instanceof Request ? fetch(new Request(local, input), init) : fetch(local, init);
};

function source(settings: WorkloadIdentitySettings) {
  const gar = new GarCredentials({
    tokens: createGcpAccessTokenSource(externalAccountConfig(settings), {
      region: "us-east-1",
      credentials: async () => AWS,
    }),
  });
  return new RegistrySource(parseReference(imageName(job())), {
    credentials: chainCredentials(new EcrCredentials().provider(), gar.provider()),
    fetch: toLocalRegistry,
    retry: { maxAttempts: 1 },
  });
}

const SETTINGS: WorkloadIdentitySettings = {
  projectNumber: "555555555555",
  poolId: "aws-pool",
  providerId: "scan-worker",
  serviceAccountEmail: SA,
};

describe("GAR pull with workload identity federation", () => {
  it("scans a GAR image by digest with the exchanged access token", async () => {
    expect(imageName(job())).toBe(`${GAR_HOST}/my-project/containers/api@${pushed.manifestDigest}`);
    const before = { sts: sts.requests.length, token: registry.tokenServer?.requests.length ?? 0 };
    const report = await scanImage(
      source({ ...SETTINGS, tokenUrl: sts.tokenUrl, impersonationUrlBase: sts.impersonationUrlBase }),
    );
    expect(report.artifact).toMatchObject({
      name: `${GAR_HOST}/my-project/containers/api@${pushed.manifestDigest}`,
      source: "registry",
      digest: pushed.manifestDigest,
      configDigest: pushed.configDigest,
    });
    expect(report.artifact.layers).toHaveLength(1);
    expect(report.os?.family).toBe("test");
    expect(sts.requests.slice(before.sts).map((r) => [r.endpoint, r.status])).toEqual([
      ["sts", 200],
      ["impersonation", 200],
    ]);
    const tokenRequests = registry.tokenServer?.requests.slice(before.token) ?? [];
    expect(tokenRequests.length).toBeGreaterThan(0);
    for (const r of tokenRequests)
      expect(r).toMatchObject({
        grant: "basic",
        user: "oauth2accesstoken",
        status: 200,
        scopes: ["repository:my-project/containers/api:pull"],
      });
  });

  it("fails with RegistryAuthError when the access token is not one the registry accepts", async () => {
    const impostor = await startGcpStsServer({
      audience: AUDIENCE,
      aws: AWS,
      serviceAccount: { email: SA, accessToken: "ya29.c.some-other-principal" },
    });
    try {
      const before = registry.tokenServer?.requests.length ?? 0;
      const err = await scanImage(
        source({
          ...SETTINGS,
          tokenUrl: impostor.tokenUrl,
          impersonationUrlBase: impostor.impersonationUrlBase,
        }),
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RegistryAuthError);
      expect((err as Error).message).toMatch(/rejected the credentials \(HTTP 401\)/);
      expect((err as Error).message).not.toContain("ya29.");
      // Federation itself worked; the registry's token server refused the token it produced.
      expect(impostor.requests.map((r) => [r.endpoint, r.status])).toEqual([
        ["sts", 200],
        ["impersonation", 200],
      ]);
      expect(registry.tokenServer?.requests.slice(before)).toEqual([
        { method: "GET", grant: "basic", scopes: ["repository:my-project/containers/api:pull"], status: 401 },
      ]);
    } finally {
      await impostor.close();
    }
  });
});
