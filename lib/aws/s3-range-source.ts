import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from "@aws-sdk/client-s3";
import { VulnDbError } from "../vulndb/db/errors.js";
import { HEADER_LENGTH } from "../vulndb/db/format.js";
import type { RangeSource } from "../vulndb/db/range-source.js";

export interface S3RangeSourceOptions {
  bucket: string;
  key: string;
  /** Bytes fetched by the first GET, which also learns the size and ETag: at least the header. */
  prefetch?: number;
}

/** "bytes 0-255/12345" → its three numbers. */
function parseContentRange(
  value: string | undefined,
): { start: number; end: number; total: number } | undefined {
  const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(value?.trim() ?? "");
  if (!match) return undefined;
  return { start: Number(match[1]), end: Number(match[2]), total: Number(match[3]) };
}

function isPreconditionFailed(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === "PreconditionFailed" || e?.$metadata?.httpStatusCode === 412;
}

/**
 * The vulnerability DB read in place from S3 by ranged GetObject: a lookup costs a few small GETs
 * instead of downloading the file. The first GET learns size and ETag from its Content-Range;
 * later GETs send If-Match with that ETag (S3 answers 412 once the object was replaced) and the
 * response's ETag is compared too, for stores that ignore If-Match (s3rver does).
 */
export class S3RangeSource implements RangeSource {
  private constructor(
    private readonly client: Pick<S3Client, "send">,
    private readonly options: S3RangeSourceOptions,
    readonly size: number,
    readonly etag: string | undefined,
    private readonly head: Buffer,
  ) {}

  static async open(client: Pick<S3Client, "send">, options: S3RangeSourceOptions): Promise<S3RangeSource> {
    const prefetch = Math.max(options.prefetch ?? HEADER_LENGTH, 1);
    const response = await S3RangeSource.get(client, options, 0, prefetch - 1, undefined);
    const range = parseContentRange(response.ContentRange);
    if (range?.start !== 0) {
      throw new VulnDbError(`${S3RangeSource.where(options)}: missing or malformed Content-Range`);
    }
    const head = await S3RangeSource.body(options, response);
    if (head.length !== range.end - range.start + 1) {
      throw new VulnDbError(`${S3RangeSource.where(options)}: short response body`);
    }
    return new S3RangeSource(client, options, range.total, response.ETag, head);
  }

  private static where(options: S3RangeSourceOptions): string {
    return `s3://${options.bucket}/${options.key}`;
  }

  private static async get(
    client: Pick<S3Client, "send">,
    options: S3RangeSourceOptions,
    start: number,
    end: number,
    etag: string | undefined,
  ): Promise<GetObjectCommandOutput> {
    try {
      return await client.send(
        new GetObjectCommand({
          Bucket: options.bucket,
          Key: options.key,
          Range: `bytes=${start}-${end}`,
          ...(etag !== undefined ? { IfMatch: etag } : {}),
        }),
      );
    } catch (err) {
      if (isPreconditionFailed(err)) {
        throw new VulnDbError(
          `${S3RangeSource.where(options)}: the DB file changed while it was open (ETag)`,
          {
            cause: err,
          },
        );
      }
      throw new VulnDbError(`${S3RangeSource.where(options)}: ranged GET bytes=${start}-${end} failed`, {
        cause: err,
      });
    }
  }

  private static async body(
    options: S3RangeSourceOptions,
    response: GetObjectCommandOutput,
  ): Promise<Buffer> {
    try {
      const bytes = await response.Body?.transformToByteArray();
      return Buffer.from(bytes?.buffer ?? new ArrayBuffer(0), bytes?.byteOffset ?? 0, bytes?.byteLength ?? 0);
    } catch (err) {
      throw new VulnDbError(`${S3RangeSource.where(options)}: response body failed`, { cause: err });
    }
  }

  async read(offset: number, length: number): Promise<Buffer> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new RangeError(`invalid read of ${length} bytes at ${offset}`);
    }
    if (offset + length > this.size) {
      throw new RangeError(`read of ${length} bytes at ${offset} runs past the end (${this.size} bytes)`);
    }
    if (length === 0) return Buffer.alloc(0);
    if (offset + length <= this.head.length) return this.head.subarray(offset, offset + length);
    const end = offset + length - 1;
    const where = S3RangeSource.where(this.options);
    const response = await S3RangeSource.get(this.client, this.options, offset, end, this.etag);
    if (this.etag !== undefined && response.ETag !== undefined && response.ETag !== this.etag) {
      await response.Body?.transformToByteArray().catch(() => {});
      throw new VulnDbError(`${where}: the DB file changed while it was open (ETag)`);
    }
    const range = parseContentRange(response.ContentRange);
    if (!range || range.start !== offset || range.end !== end || range.total !== this.size) {
      await response.Body?.transformToByteArray().catch(() => {});
      throw new VulnDbError(`${where}: Content-Range does not match bytes=${offset}-${end}`);
    }
    const body = await S3RangeSource.body(this.options, response);
    if (body.length !== length) throw new VulnDbError(`${where}: short response body`);
    return body;
  }

  async close(): Promise<void> {}
}
