import type { DescribeImagesCommand, DescribeImagesCommandOutput } from "@aws-sdk/client-ecr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoFindingsStore } from "../../lib/aws/dynamo-findings-store.js";
import { S3BlobStore } from "../../lib/aws/s3-blob-store.js";
import { silentLogger } from "../../lib/logger.js";
import { planFullRematch } from "../../lib/rescan/full-rematch-plan.js";
import { recordPulls } from "../../lib/rescan/record-pulls.js";
import { imageKey } from "../../lib/stores/scan-job.js";
import { createTable } from "../helpers/aws-emulators.js";
import { type RescanEnv, startRescanEnv } from "./rescan-db.js";
import { ecrJob, pkg, storeScan } from "./store-scan.js";

/**
 * Images pushed long ago but still pulled are re-matched. ECR's control API has no local
 * stand-in: DescribeImages is answered in its documented shape (imageDetails with
 * lastRecordedPullTime), from the digests asked for.
 */
let env: RescanEnv;

beforeAll(async () => {
  env = await startRescanEnv("portcullis-pulls-");
});
afterAll(async () => {
  await env?.stop();
});

describe("recordPulls", () => {
  it("brings images pulled within the window into the full re-match, and only those", async () => {
    const db = await env.buildDb("v1", ["lodash-ghsa.json"], "2025-01-01T00:00:00Z");
    const client = env.emulators.dynamoClient();
    await createTable(client, "pulls");
    const store = new DynamoFindingsStore(client, "pulls");
    const blobs = new S3BlobStore(env.emulators.s3Client(), { bucket: "portcullis-test" });
    const old = new Date("2025-03-01T00:00:00Z");
    const pulled = ecrJob("team/api", "1", old.toISOString());
    const idle = ecrJob("team/api", "2", old.toISOString());
    for (const job of [pulled, idle]) {
      await storeScan({ store, blobs, db }, job, { packages: [pkg("npm", "lodash", "4.17.20")] }, old);
    }
    await db.close();
    const now = new Date("2026-02-10T00:00:00Z");
    const since = new Date(now.getTime() - 90 * 86_400_000);
    expect(await planFullRematch(store.activity, { now })).toEqual([]);

    const pullTimes: Record<string, Date> = {
      [pulled.digest]: new Date("2026-02-07T12:00:00Z"),
      [idle.digest]: new Date("2025-06-01T00:00:00Z"),
    };
    const calls: Array<DescribeImagesCommand["input"]> = [];
    const ecr = {
      send: async (command: DescribeImagesCommand): Promise<DescribeImagesCommandOutput> => {
        calls.push(command.input);
        return {
          $metadata: {},
          imageDetails: (command.input.imageIds ?? []).map(({ imageDigest }) => ({
            registryId: command.input.registryId,
            repositoryName: command.input.repositoryName,
            imageDigest,
            lastRecordedPullTime: pullTimes[imageDigest ?? ""],
          })),
        };
      },
    };
    const recorded = await recordPulls([pulled.account], since, {
      imagesByAccount: (account) => store.imagesByAccount(account),
      record: (key, at) => store.activity.record(key, at),
      ecrFor: () => ecr,
      logger: silentLogger,
    });
    expect(recorded).toBe(1);
    expect(calls).toEqual([
      expect.objectContaining({
        registryId: pulled.account,
        repositoryName: "team/api",
        imageIds: expect.arrayContaining([{ imageDigest: pulled.digest }]),
      }),
    ]);
    const plan = await planFullRematch(store.activity, { now });
    expect(plan.flatMap((m) => m.imageKeys)).toEqual([imageKey(pulled)]);
  });
});
