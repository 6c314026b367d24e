import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { BlobStore } from "../stores/findings-store.js";

export interface S3BlobStoreOptions {
  bucket: string;
  /** Prepended to every key, e.g. "reports/"; include the trailing slash. */
  prefix?: string;
  /** Encrypt with this KMS key (SSE-KMS); without it objects use S3-managed keys (SSE-S3). */
  kmsKeyId?: string;
}

/**
 * Reports, SBOMs and layer results in one bucket. Single PutObject, no multipart: the objects are
 * well under the 5 GB single-put limit, and s3rver (the local emulator) has no multipart upload.
 */
export class S3BlobStore implements BlobStore {
  constructor(
    private readonly client: S3Client,
    private readonly options: S3BlobStoreOptions,
  ) {}

  async put(key: string, body: Buffer | string, contentType: string): Promise<void> {
    const kms = this.options.kmsKeyId;
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: this.key(key),
        Body: body,
        ContentType: contentType,
        ...(kms ? { ServerSideEncryption: "aws:kms", SSEKMSKeyId: kms } : { ServerSideEncryption: "AES256" }),
      }),
    );
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.options.bucket, Key: this.key(key) }),
      );
      if (!out.Body) return undefined;
      return Buffer.from(await out.Body.transformToByteArray());
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  private key(key: string): string {
    return `${this.options.prefix ?? ""}${key}`;
  }
}

/** NoSuchKey, or a bare 404; a missing bucket is a misconfiguration and stays an error. */
function isMissing(err: unknown): boolean {
  if (!(err instanceof Error) || err.name === "NoSuchBucket") return false;
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return err.name === "NoSuchKey" || err.name === "NotFound" || status === 404;
}
