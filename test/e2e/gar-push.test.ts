import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHandler as createIntake, type FunctionUrlRequest } from "../../functions/gar-intake.js";
import { createHandler as createWorker } from "../../functions/scan-worker.js";
import { DynamoFindingsStore } from "../../lib/aws/dynamo-findings-store.js";
import { S3BlobStore } from "../../lib/aws/s3-blob-store.js";
import { GarCredentials } from "../../lib/gcp/gar-credentials.js";
import { createPushTokenVerifier } from "../../lib/gcp/push-token-verifier.js";
import { createGcpAccessTokenSource, externalAccountConfig } from "../../lib/gcp/workload-identity.js";
import { parseReference } from "../../lib/image/reference.js";
import { RegistrySource } from "../../lib/image/registry/registry-source.js";
import { silentLogger } from "../../lib/logger.js";
import { syncInventory } from "../../lib/pipeline/inventory-sync.js";
import { imageKey, imageName, type ScanJob } from "../../lib/stores/scan-job.js";
import { buildFromSources } from "../../lib/vulndb/build-from-sources.js";
import { openDatabaseFile, type VulnDb } from "../../lib/vulndb/db/db-reader.js";
import { type AwsEmulators, createTable, startAwsEmulators } from "../helpers/aws-emulators.js";
import { type GcpStsServer, startGcpStsServer } from "../helpers/gcp-sts-server.js";
import {
  googleClaims,
  type JwksServer,
  startJwksServer,
  TEST_AUDIENCE,
  TEST_SERVICE_ACCOUNT,
} from "../helpers/google-oidc.js";
import { buildLayer } from "../helpers/oci-builder.js";
import { type PushedImage, pushImage, startRegistry, type TestRegistry } from "../helpers/registry.js";

/**
 * A push to Artifact Registry, end to end: the Pub/Sub push (OIDC-signed, real envelope) reaches
 * the intake handler, the job goes through an SQS message to the scan worker handler, which pulls
 * by workload identity federation with Bearer token auth and stores the findings in DynamoDB
 * (dynalite) under the GAR key. A DELETE push then marks the image deleted.
 */
const GAR_HOST = "us-central1-docker.pkg.dev";
const AUDIENCE =
  "//iam.googleapis.com/projects/555555555555/locations/global/workloadIdentityPools/aws-pool/providers/portcullis";
const AWS = {
  accessKeyId: "ASIAQXAMPLEGARE2E001",
  secretAccessKey: "gar-e2e-test-secret-access-key-000000000",
  sessionToken: "gar-e2e-test-session-token",
};
const SCANNER = "portcullis-scanner@my-project.iam.gserviceaccount.com";
const SCANNER_TOKEN = "ya29.c.portcullis-scanner-e2e";
const TABLE = "portcullis-gar-e2e";
const BUCKET = "portcullis-gar-e2e";
const fixtures = fileURLToPath(new URL("../fixtures/", import.meta.url));

let work: string;
let jwks: JwksServer;
let sts: GcpStsServer;
let registry: TestRegistry;
let aws: AwsEmulators;
let store: DynamoFindingsStore;
let db: VulnDb;
let pushed: PushedImage;

const apkRecord = (name: string) =>
  `C:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=\nP:${name}\nV:1.1.1d-r0\nA:x86_64\nS:1\nI:1\nT:${name}\nU:https://www.openssl.org\nL:OpenSSL\no:openssl\nm:Timo Teras <timo.teras@iki.fi>\n`;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "portcullis-gar-e2e-"));
  jwks = await startJwksServer();
  sts = await startGcpStsServer({
    audience: AUDIENCE,
    aws: AWS,
    serviceAccount: { email: SCANNER, accessToken: SCANNER_TOKEN },
  });
  registry = await startRegistry({ auth: "token", username: "oauth2accesstoken", password: SCANNER_TOKEN });
  aws = await startAwsEmulators([BUCKET]);
  await createTable(aws.dynamoClient(), TABLE);
  store = new DynamoFindingsStore(aws.dynamoClient(), TABLE);

  const dbFile = join(work, "vuln.db");
  await buildFromSources([{ path: `${fixtures}advisories/secdb/alpine-v3.11-main.yaml` }], dbFile, {
    builtAt: new Date("2026-11-27T00:00:00Z"),
  });
  db = await openDatabaseFile(dbFile);

  // An Alpine 3.11 image with a vulnerable OpenSSL, pushed to PROJECT/REPO/IMAGE as GAR lays it out.
  const layer = await buildLayer(
    [
      { path: "etc/os-release", content: 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.11.6\n' },
      { path: "lib/apk/db/installed", content: `${apkRecord("libssl1.1")}\n${apkRecord("openssl")}\n` },
    ],
    "gzip",
  );
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: { Cmd: ["/bin/sh"], User: "1000" },
      rootfs: { type: "layers", diff_ids: [layer.diffID] },
      history: [{ created_by: "ADD alpine-minirootfs-3.11.6-x86_64.tar.gz / # buildkit" }],
    }),
  );
  pushed = await pushImage(registry, "my-project/containers/api", "v1", { config, layers: [layer.blob] });
}, 60_000);

afterAll(async () => {
  await db?.close();
  await registry?.stop();
  await aws?.stop();
  await sts?.close();
  await jwks?.close();
  await rm(work, { recursive: true, force: true });
});

/** Only the GAR origin is redirected to the local registry; everything else is the real path. */
const toLocalRegistry: typeof fetch = (input, init) => {
  const url = input instanceof Request ? input.url : String(input);
  const local = url.replace(`https://${GAR_HOST}/`, `${registry.url}/`);
  return input instanceof Request ? fetch(new Request(local, input), init) : fetch(local, init);
};

function pushRequest(message: Record<string, string>, token: string): FunctionUrlRequest {
  const event = JSON.parse(readFileSync(`${fixtures}events/function-url-request.json`, "utf8"));
  const envelope = {
    message: {
      data: Buffer.from(JSON.stringify(message)).toString("base64"),
      messageId: "9876543210",
      publishTime: "2026-11-28T10:00:00.000Z",
    },
    subscription: "projects/my-project/subscriptions/portcullis-gar",
  };
  event.headers = { "content-type": "application/json", authorization: `Bearer ${token}` };
  event.body = JSON.stringify(envelope);
  event.isBase64Encoded = false;
  event.requestContext.http.method = "POST";
  return event;
}

function sqsEvent(jobs: readonly ScanJob[]): SQSEvent {
  return {
    Records: jobs.map((job, i) => ({
      messageId: `m-${i}`,
      receiptHandle: "r",
      body: JSON.stringify(job),
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: "0",
        SenderId: "AIDA",
        ApproximateFirstReceiveTimestamp: "0",
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:eu-west-1:123456789012:scan",
      awsRegion: "eu-west-1",
    })),
  };
}

function pipeline() {
  const queued: ScanJob[] = [];
  const intake = createIntake({
    verifier: createPushTokenVerifier({
      audience: TEST_AUDIENCE,
      serviceAccountEmail: TEST_SERVICE_ACCOUNT,
      jwksUrl: jwks.url,
    }),
    queue: {
      async enqueue(jobs) {
        queued.push(...jobs);
      },
    },
    store,
    logger: silentLogger,
  });
  const gar = new GarCredentials({
    tokens: createGcpAccessTokenSource(
      externalAccountConfig({
        projectNumber: "555555555555",
        poolId: "aws-pool",
        providerId: "portcullis",
        serviceAccountEmail: SCANNER,
        tokenUrl: sts.tokenUrl,
        impersonationUrlBase: sts.impersonationUrlBase,
      }),
      { region: "eu-west-1", credentials: async () => AWS },
    ),
  });
  const worker = createWorker({
    store,
    blobs: new S3BlobStore(aws.s3Client(), { bucket: BUCKET }),
    vulnDb: db,
    logger: silentLogger,
    openSource: (job) =>
      new RegistrySource(parseReference(imageName(job)), {
        credentials: gar.provider(),
        fetch: toLocalRegistry,
        retry: { maxAttempts: 1 },
      }),
  });
  return { intake, worker, queued };
}

const digestUri = () => `${GAR_HOST}/my-project/containers/api@${pushed.manifestDigest}`;

describe("GAR push, end to end", () => {
  it("refuses an unsigned push with 401 and queues nothing", async () => {
    const { intake, queued } = pipeline();
    const forged = await jwks.sign(googleClaims(), { key: "untrusted" });
    const response = await intake(pushRequest({ action: "INSERT", digest: digestUri() }, forged));
    expect(response.statusCode).toBe(401);
    expect(queued).toEqual([]);
  });

  it("scans a pushed image into the findings table under its GAR key, then marks it deleted", async () => {
    const { intake, worker, queued } = pipeline();
    const token = await jwks.sign(googleClaims());
    const tagUri = `${GAR_HOST}/my-project/containers/api:v1`;
    const accepted = await intake(pushRequest({ action: "INSERT", digest: digestUri(), tag: tagUri }, token));
    expect(accepted.statusCode).toBe(200);
    expect(queued).toHaveLength(1);
    const key = `gar#my-project#us-central1#containers/api@${pushed.manifestDigest}`;
    expect(imageKey(queued[0] as ScanJob)).toBe(key);

    const result = await worker(sqsEvent(queued));
    expect(result.batchItemFailures).toEqual([]);

    const image = await store.image(key);
    expect(image).toMatchObject({
      provider: "gar",
      account: "my-project",
      region: "us-central1",
      repository: "containers/api",
      digest: pushed.manifestDigest,
      status: "active",
    });
    expect(image?.tags).toContain("v1");
    expect(image?.latestScan?.packages).toBe(2);
    const findings = await store.findings(key);
    expect(findings.length).toBeGreaterThan(0);
    expect(new Set(findings.map((f) => f.package.name))).toEqual(new Set(["libssl1.1", "openssl"]));
    // The pull went through federation: one STS exchange, one impersonation, Bearer auth as oauth2accesstoken.
    expect(sts.requests.filter((r) => r.status === 200).map((r) => r.endpoint)).toEqual([
      "sts",
      "impersonation",
    ]);
    expect(
      registry.tokenServer?.requests.some((r) => r.user === "oauth2accesstoken" && r.status === 200),
    ).toBe(true);

    // The inventory sync, listing the same image later, finds it scanned and queues nothing.
    const enqueued: ScanJob[] = [];
    const counts = await syncInventory({
      sources: [
        {
          name: "gar:my-project/us-central1",
          candidates: (async function* () {
            yield {
              job: { ...(queued[0] as ScanJob), reason: "inventory" },
              pushedAt: new Date("2026-11-01T00:00:00Z"),
            };
          })(),
        },
      ],
      scanned: (keys) => store.scannedImageKeys(keys),
      queue: {
        async enqueue(jobs) {
          enqueued.push(...jobs);
        },
      },
      logger: silentLogger,
    });
    expect(counts).toMatchObject({ listed: 1, alreadyScanned: 1, enqueued: 0 });
    expect(enqueued).toEqual([]);

    const deleted = await intake(pushRequest({ action: "DELETE", digest: digestUri() }, token));
    expect(deleted.statusCode).toBe(200);
    expect(await store.image(key)).toMatchObject({ status: "deleted" });
    expect(await store.findings(key)).toEqual([]);
  });
});
