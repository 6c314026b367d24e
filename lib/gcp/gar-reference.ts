/**
 * Artifact Registry Docker image names: `LOCATION-docker.pkg.dev/PROJECT/REPO/IMAGE[:tag][@digest]`.
 * A domain-scoped project (`example.com:my-project`) appears in the path as `example.com/my-project`.
 */
export interface GarImageName {
  /** e.g. "europe-west1-docker.pkg.dev" */
  host: string;
  /** e.g. "europe-west1", or a multi-region such as "us". */
  location: string;
  /** Project id as GCP writes it, e.g. "my-project" or "example.com:my-project". */
  project: string;
  /** Repository id, e.g. "containers". */
  repo: string;
  /** Image path inside the repository, e.g. "team/api". */
  image: string;
  /** `REPO/IMAGE`: the repository part of the image key (`gar#project#location#repo/image@digest`). */
  repository: string;
  tag?: string;
  digest?: string;
}

const HOST_RE = /^([a-z][a-z0-9-]{0,62}[a-z0-9])-docker\.pkg\.dev$/;
const PROJECT_RE = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const DOMAIN_RE = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/;
const REPO_RE = /^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const IMAGE_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
const MAX_NAME = 1024;

export function isGarHost(host: string): boolean {
  return HOST_RE.test(host);
}

export function garRegistryHost(location: string): string {
  return `${location}-docker.pkg.dev`;
}

/** The project as it appears in the registry path: a domain-scoped project's ":" becomes "/". */
export function projectPath(project: string): string {
  return project.replace(":", "/");
}

/**
 * Parses a full GAR image URI, as Pub/Sub notifications and listDockerImages give it. Returns
 * a reason string for anything that is not one, so hostile input never throws.
 */
export function parseGarImageName(uri: string): GarImageName | { invalid: string } {
  if (typeof uri !== "string" || uri.length === 0) return { invalid: "empty image name" };
  if (uri.length > MAX_NAME) return { invalid: "image name longer than 1024 characters" };
  let rest = uri.startsWith("https://") ? uri.slice("https://".length) : uri;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(digest)) return { invalid: `"${digest.slice(0, 80)}" is not a sha256 digest` };
  }
  const slash = rest.indexOf("/");
  if (slash < 0) return { invalid: "no repository path" };
  const host = rest.slice(0, slash);
  let path = rest.slice(slash + 1);
  let tag: string | undefined;
  const colon = path.lastIndexOf(":");
  if (colon > path.lastIndexOf("/")) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!TAG_RE.test(tag)) return { invalid: `"${tag.slice(0, 80)}" is not a valid tag` };
  }
  const hostMatch = HOST_RE.exec(host);
  if (!hostMatch) return { invalid: `"${host.slice(0, 80)}" is not an Artifact Registry Docker host` };
  const parts = path.split("/");
  let project = parts.shift() ?? "";
  if (DOMAIN_RE.test(project)) project = `${project}:${parts.shift() ?? ""}`;
  const projectId = project.slice(project.indexOf(":") + 1);
  if (!PROJECT_RE.test(projectId)) return { invalid: `"${project.slice(0, 80)}" is not a GCP project id` };
  const repo = parts.shift() ?? "";
  if (!REPO_RE.test(repo)) return { invalid: `"${repo.slice(0, 80)}" is not a repository id` };
  if (parts.length === 0) return { invalid: "no image name after the repository" };
  if (!parts.every((p) => IMAGE_COMPONENT_RE.test(p)))
    return { invalid: `"${parts.join("/").slice(0, 120)}" is not a valid image name` };
  const image = parts.join("/");
  return {
    host,
    location: hostMatch[1] as string,
    project,
    repo,
    image,
    repository: `${repo}/${image}`,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}
