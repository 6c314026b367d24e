import {
  type DescribeImagesCommand,
  type DescribeImagesCommandOutput,
  DescribeRepositoriesCommand,
  type DescribeRepositoriesCommandOutput,
  type ImageDetail,
} from "@aws-sdk/client-ecr";
import type { SendMessageBatchCommand, SendMessageBatchCommandOutput } from "@aws-sdk/client-sqs";
import type { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { ArtifactRegistryClient } from "@google-cloud/artifact-registry";
import type { EventBridgeEvent } from "aws-lambda";
import { OAuth2Client } from "google-auth-library";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHandler, InventorySyncError, inventorySources } from "../../functions/inventory-sync.js";
import { DynamoFindingsStore } from "../../lib/aws/dynamo-findings-store.js";
import type { EcrInventoryClient } from "../../lib/aws/ecr-inventory.js";
import { SqsScanQueue } from "../../lib/aws/sqs-scan-queue.js";
import { AssumeRoleCredentials, type AwsCredentialsProvider } from "../../lib/aws/sts-assume-role.js";
import type { Logger } from "../../lib/logger.js";
import { imageKey, type ScanJob } from "../../lib/stores/scan-job.js";
import {
  type ArtifactRegistryStandIn,
  startArtifactRegistryStandIn,
} from "../helpers/artifact-registry-server.js";
import { type AwsEmulators, createTable, startAwsEmulators } from "../helpers/aws-emulators.js";

/**
 * The scheduled handler end to end: the store is dynalite; Artifact Registry is the real client
 * against the loopback stand-in; ECR's control API, STS and SQS have no local emulator, so small
 * stand-ins answer in their documented shapes.
 */
const CENTRAL = "111122223333";
const LOCKED = "777788889999";
const TEMPLATE = "arn:aws:iam::{account}:role/PortcullisPull";
const NOW = new Date("2026-02-10T12:00:00Z");
const digest = (c: string) => `sha256:${c.repeat(64)}`;

let emulators: AwsEmulators;
let store: DynamoFindingsStore;
let gar: ArtifactRegistryStandIn;
let artifactRegistry: ArtifactRegistryClient;

const ecrImages: Record<string, ImageDetail[]> = {
  "team/api": [
    { imageDigest: digest("1"), imageTags: ["v1"], imagePushedAt: new Date("2026-01-10T00:00:00Z") },
    { imageDigest: digest("2"), imageTags: ["v2"], imagePushedAt: new Date("2026-02-01T00:00:00Z") },
    { imageDigest: digest("3"), imagePushedAt: new Date(NOW.getTime() - 60_000) },
  ],
};

/** DescribeRepositories / DescribeImages of one registry (one page each), after resolving credentials. */
function ecrStandIn(credentials?: AwsCredentialsProvider): EcrInventoryClient {
  const send = async (command: DescribeRepositoriesCommand | DescribeImagesCommand) => {
    await credentials?.();
    if (command instanceof DescribeRepositoriesCommand) {
      return {
        $metadata: {},
        repositories: Object.keys(ecrImages).map((repositoryName) => ({
          registryId: command.input.registryId,
          repositoryName,
        })),
      } satisfies DescribeRepositoriesCommandOutput;
    }
    return {
      $metadata: {},
      imageDetails: (ecrImages[command.input.repositoryName ?? ""] ?? []).map((d) => ({
        registryId: command.input.registryId,
        repositoryName: command.input.repositoryName,
        ...d,
      })),
    } satisfies DescribeImagesCommandOutput;
  };
  return { send: send as EcrInventoryClient["send"] };
}

beforeAll(async () => {
  emulators = await startAwsEmulators();
  const client = emulators.dynamoClient();
  await createTable(client, "inventory-fn");
  store = new DynamoFindingsStore(client, "inventory-fn");
  const scanned: ScanJob = {
    v: 1,
    provider: "ecr",
    account: CENTRAL,
    region: "eu-west-1",
    repository: "team/api",
    digest: digest("1"),
    tag: "v1",
    registry: `${CENTRAL}.dkr.ecr.eu-west-1.amazonaws.com`,
    reason: "push",
    eventTime: "2026-01-10T00:00:00.000Z",
  };
  const at = "2026-01-10T00:02:00.000Z";
  await store.putScan(
    scanned,
    { imageKey: imageKey(scanned), scannedAt: at, analyzersKey: "test", counts: {}, packages: 0 },
    [],
  );

  gar = await startArtifactRegistryStandIn({
    token: "wif-token",
    deniedProjects: ["locked-project"],
    repositories: [
      {
        project: "my-project",
        location: "europe-west1",
        id: "containers",
        images: [{ image: "web", digest: digest("a"), tags: ["main"], uploadTime: "2026-01-20T00:00:00Z" }],
      },
    ],
  });
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: "wif-token" });
  artifactRegistry = new ArtifactRegistryClient({
    fallback: true,
    apiEndpoint: "127.0.0.1",
    port: gar.port,
    protocol: "http",
    authClient,
  });
});

afterAll(async () => {
  await artifactRegistry?.close();
  await gar?.close();
  await emulators?.stop();
});

function harness(config: {
  ecr: Array<{ account: string; regions: string[] }>;
  gar: Array<{ project: string; locations: string[] }>;
}) {
  const sent: ScanJob[] = [];
  const sqs = {
    async send(command: SendMessageBatchCommand): Promise<SendMessageBatchCommandOutput> {
      const entries = command.input.Entries ?? [];
      sent.push(...entries.map((e) => JSON.parse(e.MessageBody ?? "") as ScanJob));
      return {
        $metadata: {},
        Successful: entries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: "" })),
        Failed: [],
      };
    },
  };
  const roles = new AssumeRoleCredentials({
    client: {
      async send(command: AssumeRoleCommand): Promise<never> {
        throw Object.assign(
          new Error(`not authorized to perform sts:AssumeRole on ${command.input.RoleArn}`),
          {
            name: "AccessDenied",
          },
        );
      },
    },
  });
  const logs: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  const at =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      logs.push({ level, message, ...(fields ? { fields } : {}) });
    };
  const logger: Logger = { debug: () => {}, info: at("info"), warn: at("warn"), error: at("error") };
  const handler = createHandler({
    sources: () =>
      inventorySources({
        ...config,
        ecrFor: (account) =>
          ecrStandIn(
            account === CENTRAL ? undefined : roles.provider(TEMPLATE.replace("{account}", account)),
          ),
        artifactRegistry,
        centralAccount: CENTRAL,
        pullRoleArnTemplate: TEMPLATE,
        logger,
      }),
    scanned: (keys) => store.scannedImageKeys(keys),
    queue: new SqsScanQueue({
      client: sqs,
      queueUrl: "https://sqs.eu-west-1.amazonaws.com/111122223333/scan",
    }),
    now: () => NOW,
    logger,
  });
  return { handler, sent, logs };
}

const schedule: EventBridgeEvent<string, unknown> = {
  version: "0",
  id: "schedule-1",
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: CENTRAL,
  time: NOW.toISOString(),
  region: "eu-west-1",
  resources: [`arn:aws:events:eu-west-1:${CENTRAL}:rule/portcullis-inventory-sync`],
  detail: {},
};

describe("inventory-sync handler", () => {
  it("enqueues unscanned images of every registry and reports the sources that failed", async () => {
    const { handler, sent, logs } = harness({
      ecr: [
        { account: CENTRAL, regions: ["eu-west-1"] },
        { account: LOCKED, regions: ["eu-west-1"] },
      ],
      gar: [
        { project: "my-project", locations: ["europe-west1"] },
        { project: "locked-project", locations: ["europe-west1"] },
      ],
    });
    const counts = await handler(schedule);
    expect(counts).toMatchObject({ listed: 4, alreadyScanned: 1, tooRecent: 1, enqueued: 2, deferred: 0 });
    expect(counts.failedSources.map((f) => f.source)).toEqual([
      `ecr:${LOCKED}/eu-west-1`,
      "gar:locked-project/europe-west1",
    ]);
    expect(counts.failedSources[0]?.error).toContain("AssumeRoleError: cannot assume");
    expect(sent.map((j) => [j.provider, j.account, j.repository, j.digest, j.tag, j.reason])).toEqual([
      ["ecr", CENTRAL, "team/api", digest("2"), "v2", "inventory"],
      ["gar", "my-project", "containers/web", digest("a"), "main", "inventory"],
    ]);
    expect(logs.find((l) => l.message === "inventory sync done")?.fields).toEqual({ sources: 4, ...counts });
  });

  it("throws when every source failed, after logging the counts", async () => {
    const { handler, sent, logs } = harness({
      ecr: [{ account: LOCKED, regions: ["eu-west-1", "us-east-1"] }],
      gar: [{ project: "locked-project", locations: ["us"] }],
    });
    const err = await handler(schedule).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InventorySyncError);
    expect((err as Error).message).toMatch(/^every inventory source failed: ecr:777788889999\/eu-west-1: /);
    expect(sent).toEqual([]);
    expect(logs.filter((l) => l.level === "error")).toHaveLength(3);
    expect(logs.find((l) => l.message === "inventory sync done")?.fields).toMatchObject({
      sources: 3,
      listed: 0,
    });
  });

  it("warns and does nothing when no registry is configured", async () => {
    const { handler, sent, logs } = harness({ ecr: [], gar: [] });
    expect(await handler(schedule)).toMatchObject({ listed: 0, enqueued: 0, failedSources: [] });
    expect(sent).toEqual([]);
    expect(logs.map((l) => l.level)).toEqual(["warn", "info"]);
  });
});
