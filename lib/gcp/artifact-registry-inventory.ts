import { z } from "zod";
import type { Logger } from "../logger.js";
import type { InventoryCandidate, InventorySource } from "../pipeline/inventory-sync.js";
import type { ScanJob } from "../stores/scan-job.js";
import { parseGarImageName } from "./gar-reference.js";

/** A protobuf Timestamp as the client decodes it (seconds as a string, number or Long), or RFC 3339. */
export type GarTimestamp =
  | { seconds?: number | string | { toString(): string } | null; nanos?: number | null }
  | string
  | null;

/** The fields of an Artifact Registry `Repository` the listing reads. */
export interface GarRepository {
  /** `projects/P/locations/L/repositories/R` */
  name?: string | null;
  /** Enum by name ("DOCKER") or number (1), depending on the transport. */
  format?: string | number | null;
  mode?: string | number | null;
}

/** The fields of an Artifact Registry `DockerImage` the listing reads. */
export interface GarDockerImage {
  name?: string | null;
  /** `LOCATION-docker.pkg.dev/PROJECT/REPO/IMAGE@sha256:...` */
  uri?: string | null;
  tags?: string[] | null;
  uploadTime?: GarTimestamp;
  artifactType?: string | null;
}

/**
 * The two list calls, auto-paginated. `ArtifactRegistryClient` from @google-cloud/artifact-registry
 * (v1) satisfies it; its async iterators follow nextPageToken themselves.
 */
export interface ArtifactRegistryLister {
  listRepositoriesAsync(request: { parent: string; pageSize?: number }): AsyncIterable<GarRepository>;
  listDockerImagesAsync(request: { parent: string; pageSize?: number }): AsyncIterable<GarDockerImage>;
}

export interface GarInventoryTarget {
  /** Project id, e.g. "my-project" or "example.com:my-project". */
  project: string;
  /** Locations holding repositories, e.g. "europe-west1" or the multi-region "us". */
  locations: readonly string[];
}

export interface GarInventoryOptions {
  client: ArtifactRegistryLister;
  logger: Logger;
  now?: () => Date;
}

export const GarInventoryTargetsSchema = z.array(
  z.object({
    project: z.string().regex(/^(?:[a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "not a GCP project id"),
    locations: z.array(z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, "not a GCP location")).min(1),
  }),
);

/** `GAR_INVENTORY`-style JSON: `[{"project": "my-project", "locations": ["europe-west1"]}]`. */
export function parseGarInventoryTargets(json: string): GarInventoryTarget[] {
  return GarInventoryTargetsSchema.parse(JSON.parse(json));
}

const PAGE_SIZE = 1000;
/** Repository.Format.DOCKER; Mode values of repositories that hold no pushed images of their own. */
const DOCKER = new Set<string | number>(["DOCKER", 1]);
const NOT_PUSHED_TO = new Set<string | number>(["VIRTUAL_REPOSITORY", 2, "REMOTE_REPOSITORY", 3]);
const IMAGE_CONFIG_TYPES = new Set([
  "application/vnd.oci.image.config.v1+json",
  "application/vnd.docker.container.image.v1+json",
]);

/** One source per project and location, so a project without permission fails alone. */
export function garInventorySources(
  targets: readonly GarInventoryTarget[],
  options: GarInventoryOptions,
): InventorySource[] {
  return targets.flatMap(({ project, locations }) =>
    locations.map((location) => ({
      name: `gar:${project}/${location}`,
      candidates: listGarImages(project, location, options),
    })),
  );
}

/**
 * Every Docker image of the standard Docker repositories of one project and location, as
 * "inventory" scan jobs. Remote (pull-through cache) and virtual repositories are skipped: what
 * they serve was pushed elsewhere, and is listed there.
 */
export async function* listGarImages(
  project: string,
  location: string,
  options: GarInventoryOptions,
): AsyncGenerator<InventoryCandidate> {
  const { client, logger } = options;
  const parent = `projects/${project}/locations/${location}`;
  for await (const repository of client.listRepositoriesAsync({ parent, pageSize: PAGE_SIZE })) {
    const name = repository.name;
    if (!name) continue;
    if (!DOCKER.has(repository.format ?? "") || NOT_PUSHED_TO.has(repository.mode ?? "")) {
      logger.debug("Artifact Registry repository skipped", {
        repository: name,
        format: repository.format,
        mode: repository.mode,
      });
      continue;
    }
    try {
      for await (const image of client.listDockerImagesAsync({ parent: name, pageSize: PAGE_SIZE })) {
        const candidate = candidateFor(image, options);
        if ("skipped" in candidate) {
          (candidate.expected ? logger.debug : logger.warn).call(logger, "Artifact Registry image skipped", {
            repository: name,
            image: String(image.uri ?? image.name).slice(0, 300),
            reason: candidate.skipped,
          });
          continue;
        }
        yield candidate;
      }
    } catch (err) {
      // Deleted between the two calls: nothing left to scan there. Anything else fails the source.
      if (!isNotFound(err)) throw err;
      logger.warn("Artifact Registry repository gone while listing", { repository: name });
    }
  }
}

type Skipped = { skipped: string; expected?: boolean };

function candidateFor(image: GarDockerImage, options: GarInventoryOptions): InventoryCandidate | Skipped {
  const parsed = parseGarImageName(image.uri ?? "");
  if ("invalid" in parsed) return { skipped: parsed.invalid };
  if (!parsed.digest) return { skipped: "the image URI has no digest" };
  // Set for OCI artifacts (signatures, attestations, Helm charts), empty for container images.
  if (image.artifactType && !IMAGE_CONFIG_TYPES.has(image.artifactType))
    return { skipped: `artifact type ${image.artifactType}`, expected: true };
  const pushedAt = timestampToDate(image.uploadTime);
  const tag = image.tags?.[0];
  const job: ScanJob = {
    v: 1,
    provider: "gar",
    account: parsed.project,
    region: parsed.location,
    repository: parsed.repository,
    digest: parsed.digest,
    ...(tag ? { tag } : {}),
    registry: parsed.host,
    reason: "inventory",
    // The upload is the event: so the activity record and FIFO dedup id match across runs.
    eventTime: (pushedAt ?? options.now?.() ?? new Date()).toISOString(),
  };
  return { job, ...(pushedAt ? { pushedAt } : {}) };
}

/**
 * gRPC reports NOT_FOUND as code 5. Over REST, google-gax leaves HTTP errors to the auth client's
 * fetch, which throws a GaxiosError with the HTTP status instead.
 */
function isNotFound(err: unknown): boolean {
  const e = err as { code?: unknown; status?: unknown } | undefined;
  return e?.code === 5 || e?.status === 404;
}

/** Timestamp → Date; undefined for anything missing or out of range, never a throw. */
export function timestampToDate(value: GarTimestamp | undefined): Date | undefined {
  if (value === null || value === undefined) return undefined;
  let ms: number;
  if (typeof value === "string") ms = Date.parse(value);
  else {
    if (value.seconds === null || value.seconds === undefined) return undefined;
    const seconds = Number(typeof value.seconds === "number" ? value.seconds : String(value.seconds));
    ms = seconds * 1000 + Math.floor((value.nanos ?? 0) / 1e6);
  }
  // The protobuf epoch (1970) is what an unset field decodes to with defaults on: not a push time.
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
