import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Analyzer } from "../analyzers/types.js";
import { DigestMismatchError, LayerFormatError, LimitExceededError, PortcullisError } from "../errors.js";
import { createDecompressor, detectCompression } from "./compression.js";
import { DigestTap, digestAlgorithm } from "./digest-tap.js";
import { LAYER_RESULT_SCHEMA, type LayerResult } from "./layer-result.js";
import type { LayerLimits } from "./limits.js";
import { peekStream } from "./peek-stream.js";
import { TarWalker } from "./tar-walk.js";

export interface ScanLayerInput {
  /** Opens the raw (usually compressed) blob. */
  open: () => Promise<Readable>;
  /** Manifest digest of the blob as stored. */
  digest: string;
  /** Config rootfs.diff_ids entry: digest of the uncompressed tar. */
  diffID: string;
  analyzers: readonly Analyzer[];
  limits: LayerLimits;
  /** Where big files are spilled for analyzers that want random access; default the OS temp dir. */
  tmpDir?: string;
  /** Called with each chunk's size of compressed bytes read, for progress bars. */
  onBytes?: (n: number) => void;
}

/**
 * Streams one layer exactly once: blob → sha256 → decompress → sha256 → tar walk → analyzers.
 * Digest mismatches and corrupt data throw; safety limits return a partial, flagged result.
 */
export async function scanLayer(input: ScanLayerInput): Promise<LayerResult> {
  const { digest, diffID, limits } = input;
  const raw = await input.open();
  let sourceError: unknown;
  raw.once("error", (err) => {
    sourceError = err;
  });
  const { head, stream } = await peekStream(raw, 4).catch((err) => {
    throw toLayerError(err, digest, true);
  });
  const compression = detectCompression(head);

  const compressedTap = new DigestTap(digestAlgorithm(digest), { onBytes: input.onBytes });
  const uncompressedTap = new DigestTap(digestAlgorithm(diffID), {
    maxBytes: limits.maxLayerBytes,
    onLimit: () => new LimitExceededError(`layer decompresses to more than ${limits.maxLayerBytes} bytes`),
  });
  const walker = new TarWalker({ diffID, analyzers: input.analyzers, limits, tmpDir: input.tmpDir });

  let limitError: LimitExceededError | undefined;
  try {
    await pipeline(stream, compressedTap, createDecompressor(compression), uncompressedTap, walker.extract);
  } catch (err) {
    if (err instanceof LimitExceededError) limitError = err;
    else throw toLayerError(sourceError ?? err, digest, sourceError !== undefined);
  } finally {
    await walker.settle();
    await walker.cleanup();
  }

  const walked = walker.output();
  const result: LayerResult = {
    schema: LAYER_RESULT_SCHEMA,
    diffID,
    paths: walked.paths,
    whiteouts: walked.whiteouts,
    opaqueDirs: walked.opaqueDirs,
    fileFacts: walked.fileFacts,
    pathIndex: walked.pathIndex,
    warnings: walked.warnings,
    complete: limitError === undefined,
    stats: {
      compression,
      compressedBytes: compressedTap.bytes,
      uncompressedBytes: uncompressedTap.bytes,
      entries: walked.entries,
      bufferedFiles: walked.bufferedFiles,
    },
  };
  if (limitError) {
    result.warnings.push({
      code: "layer-limit",
      message: `${limitError.message}; the layer was analysed only in part and its digests are unverified`,
      layer: diffID,
    });
    return result;
  }

  const actualDigest = compressedTap.digest();
  if (actualDigest !== digest) {
    throw new DigestMismatchError(`layer blob ${digest} has digest ${actualDigest}`);
  }
  const actualDiffID = uncompressedTap.digest();
  if (actualDiffID !== diffID) {
    throw new DigestMismatchError(`layer ${digest} uncompresses to ${actualDiffID}, config says ${diffID}`);
  }
  return result;
}

function toLayerError(err: unknown, digest: string, whileReading: boolean): Error {
  if (err instanceof PortcullisError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const what = whileReading ? "could not be read completely" : "is not a readable tar stream";
  return new LayerFormatError(`layer ${digest} ${what}: ${message}`, { cause: err });
}
