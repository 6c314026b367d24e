/**
 * Expected failures carry a fixed `name` so adapters can map them to exit codes and one-line
 * messages without stack traces; the original error stays in `cause`.
 */
export class PortcullisError extends Error {
  override name = "PortcullisError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The image reference or source string cannot be parsed. */
export class InvalidReferenceError extends PortcullisError {
  override name = "InvalidReferenceError";
}

/** A manifest, index or config is malformed or of a media type we do not handle. */
export class ManifestError extends PortcullisError {
  override name = "ManifestError";
}

export class UnsupportedMediaTypeError extends PortcullisError {
  override name = "UnsupportedMediaTypeError";
}

/** No manifest in an index matches the requested platform. */
export class PlatformNotFoundError extends PortcullisError {
  override name = "PlatformNotFoundError";
}

/** A blob's bytes do not hash to the digest the manifest or config promised. */
export class DigestMismatchError extends PortcullisError {
  override name = "DigestMismatchError";
}

/** A layer is not a readable (compressed) tar stream: corrupt, truncated or not a tar at all. */
export class LayerFormatError extends PortcullisError {
  override name = "LayerFormatError";
}

/** A safety cap (decompressed bytes, entries, ...) was hit; the scan cannot finish this layer. */
export class LimitExceededError extends PortcullisError {
  override name = "LimitExceededError";
}

/** The registry refused our credentials (401/403). */
export class RegistryAuthError extends PortcullisError {
  override name = "RegistryAuthError";
}

/** The repository, tag or blob does not exist (404). */
export class NotFoundError extends PortcullisError {
  override name = "NotFoundError";
}

/** Any other registry or transport failure after retries. */
export class RegistryError extends PortcullisError {
  override name = "RegistryError";
}

/** A local image source (OCI layout, docker archive, SBOM) is missing or unreadable. */
export class SourceError extends PortcullisError {
  override name = "SourceError";
}

export function isPortcullisError(err: unknown): err is PortcullisError {
  return err instanceof PortcullisError;
}
