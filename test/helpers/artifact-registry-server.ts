import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Artifact Registry has no local emulator. This stand-in serves the two v1 REST list calls the
 * inventory makes, in their documented JSON shapes (RFC 3339 timestamps, enums by name, or by
 * number when the client asks `$alt=json;enum-encoding=int` as google-gax's REST transport does),
 * with opaque page tokens, Bearer authentication and Google's error body
 * (`{error: {code, message, status}}`):
 *
 * - `GET /v1/projects/{p}/locations/{l}/repositories?pageSize=&pageToken=` → `{repositories, nextPageToken}`
 * - `GET /v1/projects/{p}/locations/{l}/repositories/{r}/dockerImages?pageSize=&pageToken=`
 *   → `{dockerImages, nextPageToken}`
 */
export interface StandInImage {
  /** Path inside the repository, e.g. "team/api". */
  image: string;
  digest: string;
  tags?: string[];
  /** RFC 3339, e.g. "2026-01-01T00:00:00.123456Z". */
  uploadTime: string;
  artifactType?: string;
}

export interface StandInRepository {
  project: string;
  location: string;
  id: string;
  format?: "DOCKER" | "MAVEN" | "NPM" | "PYTHON" | "APT" | "YUM" | "GO" | "GENERIC";
  mode?: "STANDARD_REPOSITORY" | "VIRTUAL_REPOSITORY" | "REMOTE_REPOSITORY";
  images?: StandInImage[];
}

export interface ArtifactRegistryStandIn {
  port: number;
  /** Every request, in order: path (without query), query parameters, Authorization header. */
  requests: Array<{ path: string; query: Record<string, string>; authorization?: string }>;
  close(): Promise<void>;
}

export interface ArtifactRegistryStandInOptions {
  repositories: StandInRepository[];
  /** The bearer token accepted; anything else is 401 UNAUTHENTICATED. */
  token: string;
  /** Projects the caller may not list: 403 PERMISSION_DENIED, as IAM answers. */
  deniedProjects?: string[];
  /** Repository ids that are listed but whose images answer 404, as if deleted in between. */
  goneRepositories?: string[];
  /** The server's page size cap (the real API's is larger); small values force pagination. */
  maxPageSize?: number;
}

const FORMAT_NUMBERS: Record<string, number> = {
  FORMAT_UNSPECIFIED: 0,
  DOCKER: 1,
  MAVEN: 2,
  NPM: 3,
  APT: 5,
  YUM: 6,
  PYTHON: 8,
  GO: 10,
  GENERIC: 11,
};
const MODE_NUMBERS: Record<string, number> = {
  MODE_UNSPECIFIED: 0,
  STANDARD_REPOSITORY: 1,
  VIRTUAL_REPOSITORY: 2,
  REMOTE_REPOSITORY: 3,
};
const HTTP_STATUS: Record<string, number> = {
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
};

const REPOSITORIES_RE = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/repositories$/;
const IMAGES_RE = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/repositories\/([^/]+)\/dockerImages$/;

export async function startArtifactRegistryStandIn(
  options: ArtifactRegistryStandInOptions,
): Promise<ArtifactRegistryStandIn> {
  const requests: ArtifactRegistryStandIn["requests"] = [];
  const server: Server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      fail(res, "INTERNAL", String(err), 500);
    }
  });

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://stand-in");
    const path = decodeURIComponent(url.pathname);
    const query = Object.fromEntries(url.searchParams);
    requests.push({
      path,
      query,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
    if (req.method !== "GET") return fail(res, "NOT_FOUND", `${req.method} ${path} is not served here`);
    if (req.headers.authorization !== `Bearer ${options.token}`)
      return fail(
        res,
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token.",
      );
    const numericEnums = (query.$alt ?? "").includes("enum-encoding=int");
    const repos = REPOSITORIES_RE.exec(path);
    const images = IMAGES_RE.exec(path);
    const [project, location] = [repos?.[1] ?? images?.[1], repos?.[2] ?? images?.[2]];
    if (!project || !location) return fail(res, "NOT_FOUND", `${path} is not served here`);
    if (options.deniedProjects?.includes(project))
      return fail(
        res,
        "PERMISSION_DENIED",
        `Permission 'artifactregistry.repositories.list' denied on resource '//artifactregistry.googleapis.com/projects/${project}/locations/${location}' (or it may not exist).`,
      );
    const parent = `projects/${project}/locations/${location}`;
    if (repos) {
      const list = options.repositories
        .filter((r) => r.project === project && r.location === location)
        .map((r) => repositoryJson(r, numericEnums));
      return page(res, path, query, "repositories", list);
    }
    const repository = options.repositories.find(
      (r) => r.project === project && r.location === location && r.id === images?.[3],
    );
    if (!repository || options.goneRepositories?.includes(repository.id))
      return fail(res, "NOT_FOUND", `Requested entity was not found: ${parent}/repositories/${images?.[3]}`);
    const list = (repository.images ?? []).map((image) => dockerImageJson(repository, image));
    return page(res, path, query, "dockerImages", list);
  };

  const page = (
    res: ServerResponse,
    path: string,
    query: Record<string, string>,
    field: string,
    list: unknown[],
  ) => {
    const requested = Number(query.pageSize ?? "0");
    const size = Math.min(requested > 0 ? requested : 1000, options.maxPageSize ?? 1000);
    let start = 0;
    if (query.pageToken) {
      // Opaque to clients; here the offset, bound to the list it came from.
      const [forPath, offset] = Buffer.from(query.pageToken, "base64url").toString().split("|");
      start = Number(offset);
      if (forPath !== path || !Number.isInteger(start) || start < 0)
        return fail(res, "INVALID_ARGUMENT", "Invalid page token.");
    }
    const end = start + size;
    const body: Record<string, unknown> = { [field]: list.slice(start, end) };
    if (end < list.length) body.nextPageToken = Buffer.from(`${path}|${end}`).toString("base64url");
    send(res, 200, body);
  };

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function repositoryJson(r: StandInRepository, numericEnums: boolean): Record<string, unknown> {
  const format = r.format ?? "DOCKER";
  const mode = r.mode ?? "STANDARD_REPOSITORY";
  return {
    name: `projects/${r.project}/locations/${r.location}/repositories/${r.id}`,
    format: numericEnums ? FORMAT_NUMBERS[format] : format,
    mode: numericEnums ? MODE_NUMBERS[mode] : mode,
    description: "",
    labels: {},
    createTime: "2025-06-01T10:00:00.000000Z",
    updateTime: "2026-01-02T10:00:00.000000Z",
    sizeBytes: "123456789",
    satisfiesPzs: false,
    cleanupPolicyDryRun: false,
    vulnerabilityScanningConfig: { enablementState: numericEnums ? 1 : "SCANNING_UNSUPPORTED" },
  };
}

function dockerImageJson(r: StandInRepository, image: StandInImage): Record<string, unknown> {
  const repositoryName = `projects/${r.project}/locations/${r.location}/repositories/${r.id}`;
  const host = `${r.location}-docker.pkg.dev`;
  return {
    // The image path is one resource id: its slashes are escaped.
    name: `${repositoryName}/dockerImages/${encodeURIComponent(image.image)}@${image.digest}`,
    uri: `${host}/${r.project.replace(":", "/")}/${r.id}/${image.image}@${image.digest}`,
    ...(image.tags?.length ? { tags: image.tags } : {}),
    imageSizeBytes: "31457280",
    uploadTime: image.uploadTime,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    buildTime: image.uploadTime,
    updateTime: image.uploadTime,
    ...(image.artifactType ? { artifactType: image.artifactType } : {}),
  };
}

function fail(res: ServerResponse, status: string, message: string, http?: number) {
  const code = http ?? HTTP_STATUS[status] ?? 500;
  send(res, code, { error: { code, message, status } });
}

function send(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8" }).end(text);
}
