import {
  DescribeImagesCommand,
  type DescribeImagesCommandOutput,
  DescribeRepositoriesCommand,
  type DescribeRepositoriesCommandOutput,
  type ImageDetail,
} from "@aws-sdk/client-ecr";
import type { AssumeRoleCommand, AssumeRoleCommandOutput } from "@aws-sdk/client-sts";
import { describe, expect, it } from "vitest";
import {
  type EcrInventoryClient,
  ecrInventorySources,
  listEcrImages,
  parseEcrInventoryTargets,
} from "../../lib/aws/ecr-inventory.js";
import { AssumeRoleCredentials, type AwsCredentialsProvider } from "../../lib/aws/sts-assume-role.js";
import { silentLogger } from "../../lib/logger.js";
import { ScanJobSchema } from "../../lib/pipeline/ecr-events.js";
import type { InventoryCandidate } from "../../lib/pipeline/inventory-sync.js";

/**
 * ECR's control API has no local emulator. The stand-in answers DescribeRepositories and
 * DescribeImages in their documented shapes: pages of at most `maxResults` (1..1000, else
 * InvalidParameterException) with an opaque nextToken, RepositoryNotFoundException for a missing
 * repository, and AccessDeniedException unless the caller's credentials belong to the registry's
 * account, as a cross-account call without the member's role would get.
 */
const CENTRAL = "111122223333";
const MEMBER = "444455556666";
const LOCKED = "777788889999";
const TEMPLATE = "arn:aws:iam::{account}:role/PortcullisPull";
const digest = (c: string) => `sha256:${c.repeat(64)}`;

type Registries = Record<string, Record<string, Record<string, ImageDetail[]>>>;

class EcrStandIn implements EcrInventoryClient {
  readonly calls: Array<{ command: string; input: Record<string, unknown>; accessKeyId: string }> = [];

  constructor(
    private readonly registries: Registries,
    private readonly region: string,
    private readonly credentials: AwsCredentialsProvider,
    private readonly pageCap = 1000,
  ) {}

  send(command: DescribeRepositoriesCommand): Promise<DescribeRepositoriesCommandOutput>;
  send(command: DescribeImagesCommand): Promise<DescribeImagesCommandOutput>;
  async send(command: DescribeRepositoriesCommand | DescribeImagesCommand): Promise<never> {
    // Like the SDK: credentials are resolved per request, so a role that cannot be assumed fails here.
    const { accessKeyId } = await this.credentials();
    const input = command.input as Record<string, unknown> & { registryId?: string; maxResults?: number };
    this.calls.push({ command: command.constructor.name, input, accessKeyId });
    const account = input.registryId as string;
    if (!accessKeyId.endsWith(account))
      throw awsError(
        "AccessDeniedException",
        `User is not authorized to perform ecr:Describe* on ${account}`,
      );
    const max = input.maxResults ?? 100;
    if (max < 1 || max > 1000) throw awsError("InvalidParameterException", "maxResults must be 1..1000");
    const repositories = this.registries[account]?.[this.region] ?? {};
    if (command instanceof DescribeRepositoriesCommand) {
      const names = Object.keys(repositories);
      const { items, nextToken } = this.page(names, input.nextToken as string | undefined, max, "repos");
      return {
        $metadata: { httpStatusCode: 200 },
        repositories: items.map((repositoryName) => ({
          registryId: account,
          repositoryName,
          repositoryArn: `arn:aws:ecr:${this.region}:${account}:repository/${repositoryName}`,
          repositoryUri: `${account}.dkr.ecr.${this.region}.amazonaws.com/${repositoryName}`,
          createdAt: new Date("2025-01-01T00:00:00Z"),
          imageTagMutability: "MUTABLE",
        })),
        ...(nextToken ? { nextToken } : {}),
      } as never;
    }
    const name = input.repositoryName as string;
    const images = repositories[name];
    if (!images)
      throw awsError(
        "RepositoryNotFoundException",
        `The repository with name '${name}' does not exist in the registry with id '${account}'`,
      );
    const { items, nextToken } = this.page(images, input.nextToken as string | undefined, max, name);
    return {
      $metadata: { httpStatusCode: 200 },
      imageDetails: items.map((d) => ({ registryId: account, repositoryName: name, ...d })),
      ...(nextToken ? { nextToken } : {}),
    } as never;
  }

  private page<T>(list: T[], token: string | undefined, max: number, scope: string) {
    let start = 0;
    if (token) {
      const [forScope, offset] = Buffer.from(token, "base64").toString().split("|");
      if (forScope !== scope) throw awsError("InvalidParameterException", "Invalid parameter at 'nextToken'");
      start = Number(offset);
    }
    const end = start + Math.min(max, this.pageCap);
    return {
      items: list.slice(start, end),
      nextToken: end < list.length ? Buffer.from(`${scope}|${end}`).toString("base64") : undefined,
    };
  }
}

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $fault: "client", $metadata: { httpStatusCode: 400 } });
}

/** STS stand-in: AssumeRole answers credentials whose key names the role's account; LOCKED's trust policy refuses. */
function stsStandIn() {
  const assumed: string[] = [];
  return {
    assumed,
    client: {
      async send(command: AssumeRoleCommand): Promise<AssumeRoleCommandOutput> {
        const role = command.input.RoleArn ?? "";
        assumed.push(role);
        const account = role.split(":")[4] ?? "";
        if (account === LOCKED)
          throw awsError(
            "AccessDenied",
            `User is not authorized to perform: sts:AssumeRole on resource: ${role}`,
          );
        return {
          $metadata: {},
          Credentials: {
            AccessKeyId: `ASIA${account}`,
            SecretAccessKey: "secret",
            SessionToken: "token",
            Expiration: new Date(Date.now() + 3_600_000),
          },
        };
      },
    },
  };
}

function image(c: string, pushedAt: string, extra: Partial<ImageDetail> = {}): ImageDetail {
  return {
    imageDigest: digest(c),
    imagePushedAt: new Date(pushedAt),
    imageSizeInBytes: 28_000_000,
    imageManifestMediaType: "application/vnd.oci.image.manifest.v1+json",
    artifactMediaType: "application/vnd.oci.image.config.v1+json",
    ...extra,
  };
}

function harness(registries: Registries, pageCap = 1000) {
  const sts = stsStandIn();
  const roles = new AssumeRoleCredentials({ client: sts.client, externalId: "portcullis" });
  const clients: EcrStandIn[] = [];
  const ecrFor = (account: string, region: string) => {
    const credentials =
      account === CENTRAL
        ? async () => ({ accessKeyId: `AKIA${CENTRAL}`, secretAccessKey: "s" })
        : roles.provider(TEMPLATE.replaceAll("{account}", account));
    const client = new EcrStandIn(registries, region, credentials, pageCap);
    clients.push(client);
    return client;
  };
  const options = { ecrFor, centralAccount: CENTRAL, pullRoleArnTemplate: TEMPLATE, logger: silentLogger };
  return { options, clients, sts };
}

async function collect(iterable: AsyncIterable<InventoryCandidate>): Promise<InventoryCandidate[]> {
  const out: InventoryCandidate[] = [];
  for await (const c of iterable) out.push(c);
  return out;
}

describe("listEcrImages", () => {
  it("follows nextToken through repositories and images, and skips referrers and non-image artifacts", async () => {
    const apiImages = Array.from({ length: 5 }, (_, i) =>
      image(String(i), `2026-01-0${i + 1}T00:00:00Z`, i === 0 ? { imageTags: ["v1", "latest"] } : {}),
    );
    const registries: Registries = {
      [CENTRAL]: {
        "eu-west-1": {
          "team/api": apiImages,
          "team/web": [image("a", "2026-01-09T12:00:00Z", { imageTags: ["main"] })],
          charts: [
            image("b", "2026-01-09T12:00:00Z", {
              artifactMediaType: "application/vnd.cncf.helm.config.v1+json",
            }),
          ],
          signed: [
            image("c", "2026-01-09T12:00:00Z"),
            image("d", "2026-01-09T12:01:00Z", {
              artifactMediaType: "application/vnd.dev.cosign.artifact.sig.v1+json",
              subjectManifestDigest: digest("c"),
            }),
          ],
        },
      },
    };
    // Two results per page: every list spans pages.
    const { options, clients } = harness(registries, 2);
    const candidates = await collect(listEcrImages(CENTRAL, "eu-west-1", options));
    expect(candidates.map((c) => [c.job.repository, c.job.digest.slice(7, 8), c.job.tag])).toEqual([
      ["team/api", "0", "v1"],
      ["team/api", "1", undefined],
      ["team/api", "2", undefined],
      ["team/api", "3", undefined],
      ["team/api", "4", undefined],
      ["team/web", "a", "main"],
      ["signed", "c", undefined],
    ]);
    expect(candidates[0]).toEqual({
      job: {
        v: 1,
        provider: "ecr",
        account: CENTRAL,
        region: "eu-west-1",
        repository: "team/api",
        digest: digest("0"),
        tag: "v1",
        registry: `${CENTRAL}.dkr.ecr.eu-west-1.amazonaws.com`,
        reason: "inventory",
        eventTime: "2026-01-01T00:00:00.000Z",
      },
      pushedAt: new Date("2026-01-01T00:00:00Z"),
    });
    for (const { job } of candidates) expect(ScanJobSchema.safeParse(job).success).toBe(true);
    const calls = clients.flatMap((c) => c.calls);
    expect(calls.filter((c) => c.command === "DescribeRepositoriesCommand")).toHaveLength(2);
    expect(calls.filter((c) => c.input.repositoryName === "team/api")).toHaveLength(3);
    expect(calls.every((c) => c.input.maxResults === 1000 && c.input.registryId === CENTRAL)).toBe(true);
  });

  it("lists a member account through its pull role, and its jobs carry the role", async () => {
    const registries: Registries = {
      [MEMBER]: { "us-east-1": { shop: [image("e", "2026-01-03T00:00:00Z", { imageTags: ["1.0"] })] } },
    };
    const { options, clients, sts } = harness(registries);
    const candidates = await collect(listEcrImages(MEMBER, "us-east-1", options));
    expect(candidates.map((c) => c.job)).toEqual([
      expect.objectContaining({
        account: MEMBER,
        region: "us-east-1",
        repository: "shop",
        registry: `${MEMBER}.dkr.ecr.us-east-1.amazonaws.com`,
        pullRoleArn: `arn:aws:iam::${MEMBER}:role/PortcullisPull`,
      }),
    ]);
    expect(sts.assumed).toEqual([`arn:aws:iam::${MEMBER}:role/PortcullisPull`]);
    expect(clients[0]?.calls.map((c) => c.accessKeyId)).toEqual([`ASIA${MEMBER}`, `ASIA${MEMBER}`]);
  });

  it("fails only the source whose role cannot be assumed; a repository deleted meanwhile is skipped", async () => {
    const registries: Registries = {
      [CENTRAL]: { "eu-west-1": { app: [image("1", "2026-01-01T00:00:00Z")] } },
      [LOCKED]: { "eu-west-1": { app: [image("2", "2026-01-01T00:00:00Z")] } },
    };
    const { options, clients } = harness(registries);
    const sources = ecrInventorySources(
      parseEcrInventoryTargets(
        JSON.stringify([
          { account: CENTRAL, regions: ["eu-west-1", "eu-central-1"] },
          { account: LOCKED, regions: ["eu-west-1"] },
        ]),
      ),
      options,
    );
    expect(sources.map((s) => s.name)).toEqual([
      `ecr:${CENTRAL}/eu-west-1`,
      `ecr:${CENTRAL}/eu-central-1`,
      `ecr:${LOCKED}/eu-west-1`,
    ]);
    const [west, central, locked] = sources.map((s) => collect(s.candidates));
    expect((await west)?.map((c) => c.job.digest)).toEqual([digest("1")]);
    expect(await central).toEqual([]);
    await expect(locked).rejects.toMatchObject({
      name: "AssumeRoleError",
      message: expect.stringContaining(`cannot assume arn:aws:iam::${LOCKED}:role/PortcullisPull`),
    });
    expect(clients.find((c) => c.calls.length === 0)).toBeDefined(); // the locked one never reached ECR

    // DescribeRepositories named it, then it was deleted before DescribeImages.
    const gone: Registries = {
      [CENTRAL]: { "eu-west-1": { old: [], app: [image("3", "2026-01-01T00:00:00Z")] } },
    };
    const racing = harness(gone);
    const realSend = EcrStandIn.prototype.send;
    const ecrFor = (account: string, region: string) => {
      const client = racing.options.ecrFor(account, region);
      return {
        send: ((command: DescribeRepositoriesCommand | DescribeImagesCommand) => {
          if (command instanceof DescribeImagesCommand && command.input.repositoryName === "old")
            delete gone[CENTRAL]?.["eu-west-1"]?.old;
          return realSend.call(client, command as DescribeImagesCommand);
        }) as EcrInventoryClient["send"],
      };
    };
    const listed = await collect(listEcrImages(CENTRAL, "eu-west-1", { ...racing.options, ecrFor }));
    expect(listed.map((c) => c.job.repository)).toEqual(["app"]);
  });

  it("rejects malformed configuration", () => {
    expect(() => parseEcrInventoryTargets('[{"account":"12","regions":["eu-west-1"]}]')).toThrow(/12 digits/);
    expect(() => parseEcrInventoryTargets(`[{"account":"${CENTRAL}","regions":["Europe"]}]`)).toThrow(
      /region/,
    );
  });
});
