import { basename } from "node:path";
import { PackageURL } from "packageurl-js";
import { splitLocalSpec } from "../image/open-image-source.js";
import { type ImageReference, isDigest, parseReference } from "../image/reference.js";

/**
 * The purl of a scanned image, per the purl-spec `oci` type: `pkg:oci/<name>@<digest>` where the
 * name is the last repository path segment, with `repository_url` (registry/repository) when the
 * image came from a registry, `tag` when one was named, and `arch`. Local sources (OCI layout,
 * docker archive) have no registry location, so their purl carries no repository_url.
 */
export function imagePackageUrl(image: string, digest: string, arch?: string): string | undefined {
  if (!isDigest(digest)) return undefined;
  const { name, repositoryUrl, tag } = describeImage(image);
  const qualifiers: Record<string, string> = {};
  if (repositoryUrl) qualifiers.repository_url = repositoryUrl;
  if (tag) qualifiers.tag = tag;
  if (arch) qualifiers.arch = arch;
  try {
    return new PackageURL("oci", undefined, name, digest, qualifiers).toString();
  } catch {
    return undefined;
  }
}

interface ImageIdentity {
  name: string;
  repositoryUrl?: string;
  tag?: string;
}

function describeImage(image: string): ImageIdentity {
  if (image.startsWith("oci:") || image.startsWith("docker-archive:")) {
    const local = safely(() => splitLocalSpec(image.slice(image.indexOf(":") + 1)));
    if (!local) return { name: "image" };
    // A docker archive's selector is an image name ("app:1"); a layout's is a tag or a ref name.
    const ref =
      local.selector && !isDigest(local.selector)
        ? safely(() => parseReference(local.selector as string))
        : undefined;
    if (ref && (image.startsWith("docker-archive:") || local.selector?.includes("/")))
      return fromReference(ref, false);
    const tag = local.selector && !isDigest(local.selector) ? local.selector : undefined;
    const file = basename(local.path).replace(/\.tar(\.gz)?$/, "");
    return { name: purlName(file), ...(tag ? { tag } : {}) };
  }
  const ref = safely(() => parseReference(image.startsWith("docker://") ? image.slice(9) : image));
  return ref ? fromReference(ref, true) : { name: purlName(image) };
}

function fromReference(ref: ImageReference, remote: boolean): ImageIdentity {
  const identity: ImageIdentity = { name: purlName(ref.repository.split("/").pop() ?? "") };
  if (remote) identity.repositoryUrl = `${ref.registry}/${ref.repository}`;
  if (ref.tag) identity.tag = ref.tag;
  return identity;
}

function purlName(raw: string): string {
  const name = raw
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return name === "" ? "image" : name;
}

function safely<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
