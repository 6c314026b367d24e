import { InvalidReferenceError } from "../errors.js";

/** A parsed image reference, e.g. "docker.io/library/alpine:3.20@sha256:...". */
export interface ImageReference {
  /** Registry as written (normalised for Docker Hub to "docker.io"), e.g. "localhost:5000". */
  readonly registry: string;
  /** Repository path, e.g. "library/alpine". */
  readonly repository: string;
  /** Tag; "latest" when neither tag nor digest was given. */
  readonly tag?: string;
  /** Manifest digest, e.g. "sha256:<64 hex>". */
  readonly digest?: string;
  /** Fully qualified form: registry/repository[:tag][@digest]. */
  toString(): string;
}

export const DOCKER_HUB_REGISTRY = "docker.io";
/** Docker Hub's API host: "docker.io" itself serves no /v2/ API. */
export const DOCKER_HUB_API_HOST = "registry-1.docker.io";
export const DEFAULT_TAG = "latest";

const DOCKER_HUB_ALIASES = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

// The grammar of github.com/distribution/reference (regexp.go).
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN_RE = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`,
);
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
const MAX_NAME_LENGTH = 255;

/** True for "sha256:<64 hex>" or "sha512:<128 hex>". */
export function isDigest(value: string): boolean {
  return DIGEST_RE.test(value);
}

/** The host that serves the registry API for a registry name (Docker Hub differs). */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB_REGISTRY ? DOCKER_HUB_API_HOST : registry;
}

/** Parses an image reference the way the docker CLI does; throws InvalidReferenceError. */
export function parseReference(input: string): ImageReference {
  const fail = (why: string): never => {
    throw new InvalidReferenceError(`invalid image reference "${input}": ${why}`);
  };
  const text = input.trim();
  if (text === "") fail("empty reference");
  if (text.includes("://")) fail("a reference has no URL scheme");

  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) fail(`digest "${digest}" must be sha256:<64 hex> or sha512:<128 hex>`);
  }

  // A tag follows the last ":" only if no "/" comes after it (else the colon is a port).
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) fail(`tag "${tag}" is not valid`);
  }

  const { registry, repository } = splitDomain(rest, fail);
  if (registry !== DOCKER_HUB_REGISTRY && !DOMAIN_RE.test(registry))
    fail(`registry "${registry}" is not valid`);
  if (repository === "") fail("repository name is empty");
  for (const component of repository.split("/")) {
    if (component !== component.toLowerCase()) fail("repository name must be lowercase");
    if (!PATH_COMPONENT_RE.test(component)) fail(`repository path component "${component}" is not valid`);
  }
  if (`${registry}/${repository}`.length > MAX_NAME_LENGTH)
    fail(`name longer than ${MAX_NAME_LENGTH} characters`);

  if (tag === undefined && digest === undefined) tag = DEFAULT_TAG;
  return makeReference(registry, repository, tag, digest);
}

function splitDomain(name: string, fail: (why: string) => never): { registry: string; repository: string } {
  const slash = name.indexOf("/");
  const first = slash >= 0 ? name.slice(0, slash) : "";
  // Like the docker CLI: the first component is a registry only if it looks like a host.
  const isHost =
    slash >= 0 &&
    (first.includes(".") || first.includes(":") || first === "localhost" || first !== first.toLowerCase());
  if (!isHost) {
    if (name === "") fail("repository name is empty");
    return {
      registry: DOCKER_HUB_REGISTRY,
      repository: name.includes("/") ? name : `library/${name}`,
    };
  }
  const rest = name.slice(slash + 1);
  if (DOCKER_HUB_ALIASES.has(first.toLowerCase())) {
    return { registry: DOCKER_HUB_REGISTRY, repository: rest.includes("/") ? rest : `library/${rest}` };
  }
  return { registry: first, repository: rest };
}

function makeReference(registry: string, repository: string, tag?: string, digest?: string): ImageReference {
  const text = `${registry}/${repository}${tag !== undefined ? `:${tag}` : ""}${digest !== undefined ? `@${digest}` : ""}`;
  return {
    registry,
    repository,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
    toString: () => text,
  };
}
