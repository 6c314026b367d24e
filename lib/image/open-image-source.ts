import { InvalidReferenceError } from "../errors.js";
import type { Logger } from "../logger.js";
import { openDockerArchive } from "./docker-archive-source.js";
import { openOciLayout } from "./oci-layout-source.js";
import { parseReference } from "./reference.js";
import type { CredentialProvider } from "./registry/credentials.js";
import { RegistrySource } from "./registry/registry-source.js";
import type { ImageSource } from "./types.js";

export interface OpenImageSourceOptions {
  insecure?: boolean;
  credentials?: CredentialProvider;
  logger?: Logger;
}

/**
 * Turns what a user types into an ImageSource: `oci:<dir>[:tag|@digest]`,
 * `docker-archive:<file>[:name:tag]`, or a registry reference (optionally `docker://`).
 */
export async function openImageSource(
  spec: string,
  options: OpenImageSourceOptions = {},
): Promise<ImageSource> {
  if (spec.startsWith("oci:")) {
    const { path, selector } = splitLocalSpec(spec.slice("oci:".length));
    return openOciLayout(path, selector);
  }
  if (spec.startsWith("docker-archive:")) {
    const { path, selector } = splitLocalSpec(spec.slice("docker-archive:".length));
    return openDockerArchive(path, selector);
  }
  const ref = parseReference(spec.startsWith("docker://") ? spec.slice("docker://".length) : spec);
  return new RegistrySource(ref, {
    insecure: options.insecure,
    credentials: options.credentials,
    logger: options.logger,
  });
}

/** "<path>[:selector]", split at the first colon as skopeo and containers/image do. */
export function splitLocalSpec(rest: string): { path: string; selector?: string } {
  const colon = rest.indexOf(":");
  const path = colon < 0 ? rest : rest.slice(0, colon);
  const selector = colon < 0 ? "" : rest.slice(colon + 1);
  if (path === "") throw new InvalidReferenceError("missing path after the transport prefix");
  return selector === "" ? { path } : { path, selector };
}
