import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidReferenceError } from "../../lib/errors.js";
import { parseReference } from "../../lib/image/reference.js";
import { RegistrySource } from "../../lib/image/registry/registry-source.js";
import { submitScan } from "../../lib/pipeline/submit-scan.js";
import type { ScanJob } from "../../lib/stores/scan-job.js";
import { makeSmallImage, pushImage, startRegistry, type TestRegistry } from "../helpers/registry.js";

/** On-demand scans enqueue the same job a push would, by digest, resolving tags on the real registry. */
let registry: TestRegistry;
let digest: string;

beforeAll(async () => {
  registry = await startRegistry();
  const image = await makeSmallImage("submit");
  digest = (await pushImage(registry, "team/app", "1.0", image)).manifestDigest;
});

afterAll(async () => {
  await registry?.stop();
});

function collectingQueue() {
  const jobs: ScanJob[] = [];
  return { jobs, queue: { enqueue: async (batch: readonly ScanJob[]) => void jobs.push(...batch) } };
}

const resolveTag = async (host: string, repository: string, tag: string) =>
  (await new RegistrySource(parseReference(`${host}/${repository}:${tag}`)).fetchManifest()).digest;

describe("submitScan", () => {
  it("resolves a tag to its digest on the registry and enqueues one job", async () => {
    const { jobs, queue } = collectingQueue();
    const job = await submitScan(`${registry.host}/team/app:1.0`, { queue, resolveTag });
    expect(jobs).toEqual([job]);
    expect(job).toMatchObject({
      provider: "registry",
      registry: registry.host,
      repository: "team/app",
      digest,
      tag: "1.0",
      reason: "on-demand",
    });
  });

  it("keys ECR images by account and region, with the pull role for member accounts", async () => {
    const { jobs, queue } = collectingQueue();
    const ecrDigest = `sha256:${"a".repeat(64)}`;
    await submitScan(`210987654321.dkr.ecr.eu-west-1.amazonaws.com/web/api@${ecrDigest}`, {
      queue,
      resolveTag: async () => {
        throw new Error("not called for a digest");
      },
      centralAccount: "123456789012",
      pullRoleArnTemplate: "arn:aws:iam::{account}:role/portcullis-ecr-pull",
    });
    expect(jobs[0]).toMatchObject({
      provider: "ecr",
      account: "210987654321",
      region: "eu-west-1",
      repository: "web/api",
      digest: ecrDigest,
      pullRoleArn: "arn:aws:iam::210987654321:role/portcullis-ecr-pull",
    });
  });

  it("rejects what cannot be scanned, enqueueing nothing", async () => {
    const { jobs, queue } = collectingQueue();
    await expect(submitScan("Not A Reference!", { queue, resolveTag })).rejects.toBeInstanceOf(
      InvalidReferenceError,
    );
    await expect(submitScan(`${registry.host}/team/missing:1.0`, { queue, resolveTag })).rejects.toThrow(
      /not found|unknown/i,
    );
    expect(jobs).toEqual([]);
  });
});
