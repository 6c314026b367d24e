import { ArtifactRegistryClient } from "@google-cloud/artifact-registry";
import { OAuth2Client } from "google-auth-library";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  garInventorySources,
  listGarImages,
  parseGarInventoryTargets,
  timestampToDate,
} from "../../lib/gcp/artifact-registry-inventory.js";
import type { Logger } from "../../lib/logger.js";
import { ScanJobSchema } from "../../lib/pipeline/ecr-events.js";
import type { InventoryCandidate } from "../../lib/pipeline/inventory-sync.js";
import {
  type ArtifactRegistryStandIn,
  startArtifactRegistryStandIn,
} from "../helpers/artifact-registry-server.js";

/**
 * The real ArtifactRegistryClient (google-gax REST transport, `fallback: true`) against a loopback
 * stand-in of the two v1 list calls: Artifact Registry has no local emulator.
 */
const digest = (c: string) => `sha256:${c.repeat(64)}`;
let server: ArtifactRegistryStandIn;
const clients: ArtifactRegistryClient[] = [];

beforeAll(async () => {
  server = await startArtifactRegistryStandIn({
    token: "test-access-token",
    // One entry per page, so every listing below crosses page boundaries.
    maxPageSize: 1,
    deniedProjects: ["locked-project"],
    goneRepositories: ["deleted-meanwhile"],
    repositories: [
      {
        project: "my-project",
        location: "europe-west1",
        id: "containers",
        images: [
          {
            image: "team/api",
            digest: digest("a"),
            tags: ["v1", "latest"],
            uploadTime: "2026-01-05T10:00:00.250Z",
          },
          { image: "web", digest: digest("b"), uploadTime: "2026-01-06T08:30:00Z" },
          { image: "Not_A/Valid Name", digest: digest("c"), uploadTime: "2026-01-06T08:30:00Z" },
          {
            image: "web",
            digest: digest("d"),
            tags: ["sha256-bbbb.sig"],
            uploadTime: "2026-01-06T08:31:00Z",
            artifactType: "application/vnd.dev.sigstore.bundle.v0.3+json",
          },
        ],
      },
      { project: "my-project", location: "europe-west1", id: "libs", format: "MAVEN" },
      {
        project: "my-project",
        location: "europe-west1",
        id: "dockerhub-cache",
        mode: "REMOTE_REPOSITORY",
        images: [{ image: "library/nginx", digest: digest("e"), uploadTime: "2026-01-01T00:00:00Z" }],
      },
      {
        project: "my-project",
        location: "europe-west1",
        id: "all",
        mode: "VIRTUAL_REPOSITORY",
        images: [{ image: "team/api", digest: digest("a"), uploadTime: "2026-01-05T10:00:00Z" }],
      },
      { project: "my-project", location: "europe-west1", id: "deleted-meanwhile", images: [] },
      {
        project: "my-project",
        location: "us",
        id: "edge",
        images: [{ image: "proxy", digest: digest("f"), tags: ["2.1"], uploadTime: "2025-12-24T00:00:00Z" }],
      },
      {
        project: "example.com:corp-images",
        location: "us-central1",
        id: "base",
        images: [{ image: "debian", digest: digest("9"), uploadTime: "2025-11-01T00:00:00Z" }],
      },
    ],
  });
});

afterAll(async () => {
  for (const client of clients) await client.close();
  await server?.close();
});

function realClient(token = "test-access-token"): ArtifactRegistryClient {
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: token });
  const client = new ArtifactRegistryClient({
    fallback: true,
    apiEndpoint: "127.0.0.1",
    port: server.port,
    protocol: "http",
    authClient,
  });
  clients.push(client);
  return client;
}

function recordingLogger() {
  const lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  const at =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      lines.push({ level, message, ...(fields ? { fields } : {}) });
    };
  const logger: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  return { logger, lines };
}

async function collect(iterable: AsyncIterable<InventoryCandidate>): Promise<InventoryCandidate[]> {
  const out: InventoryCandidate[] = [];
  for await (const c of iterable) out.push(c);
  return out;
}

describe("listGarImages with the real ArtifactRegistryClient", () => {
  it("lists the images of standard Docker repositories only, across pages, as inventory jobs", async () => {
    const before = server.requests.length;
    const { logger, lines } = recordingLogger();
    const candidates = await collect(
      listGarImages("my-project", "europe-west1", { client: realClient(), logger }),
    );
    expect(candidates).toEqual([
      {
        job: {
          v: 1,
          provider: "gar",
          account: "my-project",
          region: "europe-west1",
          repository: "containers/team/api",
          digest: digest("a"),
          tag: "v1",
          registry: "europe-west1-docker.pkg.dev",
          reason: "inventory",
          eventTime: "2026-01-05T10:00:00.250Z",
        },
        pushedAt: new Date("2026-01-05T10:00:00.250Z"),
      },
      {
        job: {
          v: 1,
          provider: "gar",
          account: "my-project",
          region: "europe-west1",
          repository: "containers/web",
          digest: digest("b"),
          registry: "europe-west1-docker.pkg.dev",
          reason: "inventory",
          eventTime: "2026-01-06T08:30:00.000Z",
        },
        pushedAt: new Date("2026-01-06T08:30:00Z"),
      },
    ]);
    for (const { job } of candidates) expect(ScanJobSchema.safeParse(job).success).toBe(true);

    const requests = server.requests.slice(before);
    // Remote and virtual repositories, and the Maven one, are never asked for Docker images.
    const paths = [...new Set(requests.map((r) => r.path))];
    expect(paths).toEqual([
      "/v1/projects/my-project/locations/europe-west1/repositories",
      "/v1/projects/my-project/locations/europe-west1/repositories/containers/dockerImages",
      "/v1/projects/my-project/locations/europe-west1/repositories/deleted-meanwhile/dockerImages",
    ]);
    // 5 repositories and 4 images, one per page: every page token was followed.
    expect(requests.filter((r) => r.path.endsWith("/repositories"))).toHaveLength(5);
    expect(requests.filter((r) => r.path.endsWith("/containers/dockerImages"))).toHaveLength(4);
    expect(requests.filter((r) => r.query.pageToken)).toHaveLength(4 + 3);
    expect(requests.every((r) => r.authorization === "Bearer test-access-token")).toBe(true);
    expect(requests[0]?.query.pageSize).toBe("1000");

    // The invalid name is warned about; the signature artifact and skipped repositories are not.
    const warnings = lines.filter((l) => l.level === "warn");
    expect(warnings.map((w) => [w.message, w.fields?.reason ?? w.fields?.repository])).toEqual([
      ["Artifact Registry image skipped", '"Not_A/Valid Name" is not a valid image name'],
      [
        "Artifact Registry repository gone while listing",
        "projects/my-project/locations/europe-west1/repositories/deleted-meanwhile",
      ],
    ]);
    expect(
      lines.filter((l) => l.level === "debug").map((l) => l.fields?.image ?? l.fields?.repository),
    ).toEqual([
      expect.stringContaining("containers/web@sha256:dddd"),
      "projects/my-project/locations/europe-west1/repositories/libs",
      "projects/my-project/locations/europe-west1/repositories/dockerhub-cache",
      "projects/my-project/locations/europe-west1/repositories/all",
    ]);
  });

  it("keeps a domain-scoped project as GCP writes it, and multi-region locations", async () => {
    const sources = garInventorySources(
      parseGarInventoryTargets(
        JSON.stringify([
          { project: "example.com:corp-images", locations: ["us-central1"] },
          { project: "my-project", locations: ["us"] },
        ]),
      ),
      { client: realClient(), logger: recordingLogger().logger },
    );
    expect(sources.map((s) => s.name)).toEqual([
      "gar:example.com:corp-images/us-central1",
      "gar:my-project/us",
    ]);
    const [corp, edge] = await Promise.all(sources.map((s) => collect(s.candidates)));
    expect(corp?.map((c) => c.job)).toEqual([
      expect.objectContaining({
        account: "example.com:corp-images",
        region: "us-central1",
        repository: "base/debian",
        registry: "us-central1-docker.pkg.dev",
        digest: digest("9"),
      }),
    ]);
    expect(edge?.map((c) => [c.job.repository, c.job.tag, c.job.region, c.pushedAt?.toISOString()])).toEqual([
      ["edge/proxy", "2.1", "us", "2025-12-24T00:00:00.000Z"],
    ]);
  });

  it("fails the listing of a project without permission, and with a token the API refuses", async () => {
    const logger = recordingLogger().logger;
    const denied = collect(listGarImages("locked-project", "europe-west1", { client: realClient(), logger }));
    // Over REST the auth client's fetch throws for the HTTP status, with Google's error body as message.
    await expect(denied).rejects.toMatchObject({
      status: 403,
      message: expect.stringContaining("artifactregistry.repositories.list' denied"),
    });
    const wrongToken = collect(
      listGarImages("my-project", "europe-west1", { client: realClient("expired"), logger }),
    );
    await expect(wrongToken).rejects.toMatchObject({ status: 401 });
  });

  it("rejects malformed configuration", () => {
    expect(() => parseGarInventoryTargets('[{"project":"x","locations":["us"]}]')).toThrow(/project id/);
    expect(() => parseGarInventoryTargets('[{"project":"my-project","locations":[]}]')).toThrow();
  });
});

describe("timestampToDate", () => {
  it("reads protobuf Timestamps with number, string or Long seconds, and RFC 3339 strings", () => {
    const at = new Date("2026-01-05T10:00:00.250Z");
    const seconds = Math.floor(at.getTime() / 1000);
    expect(timestampToDate({ seconds, nanos: 250_000_000 })).toEqual(at);
    expect(timestampToDate({ seconds: String(seconds), nanos: 250_999_999 })).toEqual(at);
    const long = { low: seconds, high: 0, toString: () => String(seconds) };
    expect(timestampToDate({ seconds: long, nanos: 250_000_000 })).toEqual(at);
    expect(timestampToDate("2026-01-05T10:00:00.250Z")).toEqual(at);
  });

  it("gives undefined, not a throw or the epoch, for missing and broken values", () => {
    expect(timestampToDate(undefined)).toBeUndefined();
    expect(timestampToDate(null)).toBeUndefined();
    expect(timestampToDate({ seconds: "0", nanos: 0 })).toBeUndefined();
    expect(timestampToDate({ seconds: null })).toBeUndefined();
    expect(timestampToDate({ seconds: "soon" })).toBeUndefined();
    expect(timestampToDate("yesterday")).toBeUndefined();
    expect(timestampToDate({ seconds: 1e20 })).toBeUndefined();
  });
});
