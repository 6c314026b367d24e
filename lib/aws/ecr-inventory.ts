import {
  DescribeImagesCommand,
  type DescribeImagesCommandOutput,
  DescribeRepositoriesCommand,
  type DescribeRepositoriesCommandOutput,
  type ImageDetail,
} from "@aws-sdk/client-ecr";
import { z } from "zod";
import type { Logger } from "../logger.js";
import { ecrRegistryHost, type IntakeConfig, pullRoleFor } from "../pipeline/ecr-events.js";
import type { InventoryCandidate, InventorySource } from "../pipeline/inventory-sync.js";
import type { ScanJob } from "../stores/scan-job.js";

/** The two ECR calls the listing makes; ECRClient satisfies it, tests pass a stand-in. */
export interface EcrInventoryClient {
  send(command: DescribeRepositoriesCommand): Promise<DescribeRepositoriesCommandOutput>;
  send(command: DescribeImagesCommand): Promise<DescribeImagesCommandOutput>;
}

/** One account to list, in each of its regions. */
export interface EcrInventoryTarget {
  account: string;
  regions: readonly string[];
}

export interface EcrInventoryOptions extends IntakeConfig {
  /** An ECR client for the account and region: the member's pull role for other accounts. */
  ecrFor(account: string, region: string): EcrInventoryClient;
  logger: Logger;
}

/** Both calls take at most 1,000 results per page. */
const PAGE_SIZE = 1000;

/** Config types of runnable images; other artifacts (Helm charts, WASM modules) are not scanned. */
const IMAGE_CONFIG_TYPES = new Set([
  "application/vnd.oci.image.config.v1+json",
  "application/vnd.docker.container.image.v1+json",
]);

export const EcrInventoryTargetsSchema = z.array(
  z.object({
    account: z.string().regex(/^\d{12}$/, "an AWS account is 12 digits"),
    regions: z.array(z.string().regex(/^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/, "not an AWS region")).min(1),
  }),
);

/** `ECR_INVENTORY`-style JSON: `[{"account": "123456789012", "regions": ["eu-west-1"]}]`. */
export function parseEcrInventoryTargets(json: string): EcrInventoryTarget[] {
  return EcrInventoryTargetsSchema.parse(JSON.parse(json));
}

/** One source per account and region, so a member whose role cannot be assumed fails alone. */
export function ecrInventorySources(
  targets: readonly EcrInventoryTarget[],
  options: EcrInventoryOptions,
): InventorySource[] {
  return targets.flatMap(({ account, regions }) =>
    regions.map((region) => ({
      name: `ecr:${account}/${region}`,
      candidates: listEcrImages(account, region, options),
    })),
  );
}

/** Every image of every repository of one registry, as "inventory" scan jobs. */
export async function* listEcrImages(
  account: string,
  region: string,
  options: EcrInventoryOptions,
): AsyncGenerator<InventoryCandidate> {
  const ecr = options.ecrFor(account, region);
  const pullRoleArn = pullRoleFor(account, options);
  const registry = ecrRegistryHost(account, region);
  let nextToken: string | undefined;
  do {
    const page = await ecr.send(
      new DescribeRepositoriesCommand({
        registryId: account,
        maxResults: PAGE_SIZE,
        ...(nextToken ? { nextToken } : {}),
      }),
    );
    for (const repository of page.repositories ?? []) {
      const name = repository.repositoryName;
      if (!name) continue;
      for await (const detail of repositoryImages(ecr, account, name, options.logger)) {
        const job = jobFor(detail, { account, region, repository: name, registry, pullRoleArn });
        if (!job) {
          options.logger.debug("ECR image skipped", {
            account,
            region,
            repository: name,
            ...skipReason(detail),
          });
          continue;
        }
        yield { job, ...(detail.imagePushedAt ? { pushedAt: new Date(detail.imagePushedAt) } : {}) };
      }
    }
    nextToken = page.nextToken;
  } while (nextToken);
}

async function* repositoryImages(
  ecr: EcrInventoryClient,
  account: string,
  repositoryName: string,
  logger: Logger,
): AsyncGenerator<ImageDetail> {
  let nextToken: string | undefined;
  do {
    let page: DescribeImagesCommandOutput;
    try {
      page = await ecr.send(
        new DescribeImagesCommand({
          registryId: account,
          repositoryName,
          maxResults: PAGE_SIZE,
          ...(nextToken ? { nextToken } : {}),
        }),
      );
    } catch (err) {
      // Deleted between the two calls: nothing left to scan there. Anything else fails the source.
      if ((err as { name?: string }).name !== "RepositoryNotFoundException") throw err;
      logger.warn("ECR repository gone while listing", { account, repository: repositoryName });
      return;
    }
    yield* page.imageDetails ?? [];
    nextToken = page.nextToken;
  } while (nextToken);
}

function jobFor(
  detail: ImageDetail,
  at: { account: string; region: string; repository: string; registry: string; pullRoleArn?: string },
): ScanJob | undefined {
  if (!detail.imageDigest || skipReason(detail).skipped) return undefined;
  const tag = detail.imageTags?.[0];
  const pushedAt = detail.imagePushedAt ? new Date(detail.imagePushedAt) : undefined;
  return {
    v: 1,
    provider: "ecr",
    account: at.account,
    region: at.region,
    repository: at.repository,
    digest: detail.imageDigest,
    ...(tag ? { tag } : {}),
    registry: at.registry,
    ...(at.pullRoleArn ? { pullRoleArn: at.pullRoleArn } : {}),
    reason: "inventory",
    // The push is the event: so the activity record and FIFO dedup id match across runs.
    eventTime: (pushedAt && !Number.isNaN(pushedAt.getTime()) ? pushedAt : new Date()).toISOString(),
  };
}

/** Referrers (signatures, attestations) and non-image artifacts have nothing to scan. */
function skipReason(detail: ImageDetail): { skipped?: string } {
  if (!detail.imageDigest) return { skipped: "no digest" };
  if (detail.subjectManifestDigest) return { skipped: `referrer of ${detail.subjectManifestDigest}` };
  const artifact = detail.artifactMediaType;
  if (artifact && !IMAGE_CONFIG_TYPES.has(artifact)) return { skipped: `artifact type ${artifact}` };
  return {};
}
