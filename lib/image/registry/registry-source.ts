import type { Readable } from "node:stream";
import { ManifestError } from "../../errors.js";
import type { RetryOptions } from "../../http/retry.js";
import type { Logger } from "../../logger.js";
import { DEFAULT_TAG, type ImageReference, isDigest, registryApiHost } from "../reference.js";
import type { Descriptor, FetchedManifest, ImageSource } from "../types.js";
import type { CredentialProvider } from "./credentials.js";
import { RegistryClient } from "./registry-client.js";
import type { TokenAuth } from "./token-auth.js";

export interface RegistrySourceOptions {
  /** Plain http for a non-loopback registry (loopback registries always use http). */
  insecure?: boolean;
  credentials?: CredentialProvider;
  logger?: Logger;
  retry?: RetryOptions;
  userAgent?: string;
  fetch?: typeof fetch;
  /** Share a token cache between sources of the same registry. */
  tokenAuth?: TokenAuth;
}

/** An image in an OCI Distribution registry (Docker Hub, ECR, GAR, a local `registry:2`). */
export class RegistrySource implements ImageSource {
  readonly kind = "registry" as const;
  readonly name: string;
  private readonly client: RegistryClient;

  constructor(
    readonly reference: ImageReference,
    options: RegistrySourceOptions = {},
  ) {
    this.name = reference.toString();
    this.client = new RegistryClient(registryApiHost(reference.registry), {
      ...options,
      credentialHost: reference.registry,
    });
  }

  /** The reference's manifest (its digest wins over its tag), or the child manifest `digest`. */
  async fetchManifest(digest?: string): Promise<FetchedManifest> {
    const { repository } = this.reference;
    if (digest !== undefined) {
      checkDigest(digest, this.name);
      return this.client.getManifest(
        repository,
        digest,
        `${this.reference.registry}/${repository}@${digest}`,
      );
    }
    const ref = this.reference.digest ?? this.reference.tag ?? DEFAULT_TAG;
    return this.client.getManifest(repository, ref, this.name);
  }

  async openBlob(descriptor: Descriptor): Promise<Readable> {
    checkDigest(descriptor.digest, this.name);
    return this.client.getBlob(this.reference.repository, descriptor.digest, this.name);
  }
}

// Digests come from manifest contents: validating them also keeps "../" out of request paths.
function checkDigest(digest: string, name: string): void {
  if (!isDigest(digest))
    throw new ManifestError(`${name}: "${digest}" is not a valid sha256 or sha512 digest`);
}
