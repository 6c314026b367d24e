import { DescribeImagesCommand, type DescribeImagesCommandOutput } from "@aws-sdk/client-ecr";
import type { ImageRecord } from "../aws/dynamo-findings-store.js";
import type { Logger } from "../logger.js";

/** DescribeImages takes at most 100 image ids per call. */
const IDS_PER_CALL = 100;

export interface PullActivityDeps {
  /** The stored images of one account (GSI1). */
  imagesByAccount(account: string): Promise<ImageRecord[]>;
  /** Records that the image was in use at `at` (the activity items the full re-match reads). */
  record(imageKey: string, at: string): Promise<void>;
  /** An ECR client for the account and region (the member's pull role for other accounts). */
  ecrFor(
    account: string,
    region: string,
  ): { send(command: DescribeImagesCommand): Promise<DescribeImagesCommandOutput> };
  logger: Logger;
}

/**
 * ECR sends no event when an image is pulled, but DescribeImages reports each image's
 * lastRecordedPullTime. Recording recent pulls as activity lets the scheduled re-match cover
 * images still pulled (deployed) long after their push, as Amazon Inspector does.
 */
export async function recordPulls(
  accounts: readonly string[],
  since: Date,
  deps: PullActivityDeps,
): Promise<number> {
  let recorded = 0;
  for (const account of accounts) {
    const images = (await deps.imagesByAccount(account)).filter(
      (i) => i.provider === "ecr" && i.status === "active",
    );
    const byRepository = new Map<string, ImageRecord[]>();
    for (const image of images) {
      const key = `${image.region}\n${image.repository}`;
      byRepository.set(key, [...(byRepository.get(key) ?? []), image]);
    }
    for (const list of byRepository.values()) {
      const { region, repository } = list[0] as ImageRecord;
      try {
        recorded += await recordRepository(account, region, repository, list, since, deps);
      } catch (err) {
        // One repository (deleted, or the pull role missing) must not stop the others.
        deps.logger.warn("pull times not read", { account, region, repository, error: String(err) });
      }
    }
  }
  return recorded;
}

async function recordRepository(
  account: string,
  region: string,
  repository: string,
  images: readonly ImageRecord[],
  since: Date,
  deps: PullActivityDeps,
): Promise<number> {
  const keyByDigest = new Map(images.map((i) => [i.digest, i.imageKey]));
  const ecr = deps.ecrFor(account, region);
  let recorded = 0;
  const digests = [...keyByDigest.keys()];
  for (let i = 0; i < digests.length; i += IDS_PER_CALL) {
    const out = await ecr.send(
      new DescribeImagesCommand({
        registryId: account,
        repositoryName: repository,
        imageIds: digests.slice(i, i + IDS_PER_CALL).map((imageDigest) => ({ imageDigest })),
      }),
    );
    for (const detail of out.imageDetails ?? []) {
      const pulled = detail.lastRecordedPullTime;
      const imageKey = detail.imageDigest ? keyByDigest.get(detail.imageDigest) : undefined;
      if (!pulled || !imageKey || pulled.getTime() < since.getTime()) continue;
      await deps.record(imageKey, pulled.toISOString());
      recorded += 1;
    }
  }
  return recorded;
}
