import { PortcullisError } from "../../errors.js";

/**
 * How much of the work a ZIP problem spoils: one entry (skip it), the archive it is in (stop
 * reading that archive, keep its siblings), or the whole scan of a file (a shared budget ran out).
 */
export type ZipErrorScope = "entry" | "archive" | "scan";

export class ZipError extends PortcullisError {
  override name = "ZipError";
  constructor(
    message: string,
    readonly scope: ZipErrorScope,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The bytes are not a well-formed ZIP archive (truncated, corrupt, pointing outside the file). */
export class ZipFormatError extends ZipError {
  override name = "ZipFormatError";
}

/** A safety cap was hit or the archive looks like a zip bomb; reading stopped before any damage. */
export class ZipLimitError extends ZipError {
  override name = "ZipLimitError";
}
