import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { DbPublishError } from "./errors.js";

/**
 * The few S3 calls the updater makes on the DB bucket. No SSE headers: the bucket's default
 * encryption (SSE-KMS with the data key) applies, the same the workers decrypt with. Single
 * PutObject, no multipart: DB files are far under 5 GB, and s3rver has no multipart upload.
 */
export class DbBucket {
  constructor(
    private readonly client: Pick<S3Client, "send">,
    readonly bucket: string,
  ) {}

  async get(key: string): Promise<Buffer | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.Body ? Buffer.from(await out.Body.transformToByteArray()) : undefined;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw this.failure(`reading ${key}`, err);
    }
  }

  async put(key: string, body: Buffer | string, contentType: string): Promise<void> {
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: key,
      Body: body,
      ContentType: contentType,
    });
    await this.attempt(`writing ${key}`, () => this.client.send(command));
  }

  /**
   * Streams a local file up, without holding it in memory. The caller's sha256 goes along as the
   * object checksum: S3 refuses bytes that do not match, and with the checksum known up front the
   * SDK sends a plain body rather than aws-chunked with a trailer (which s3rver would store raw).
   */
  async putFile(key: string, path: string, sha256Hex: string): Promise<void> {
    const { size } = await stat(path);
    await this.attempt(`uploading ${path} to ${key}`, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: createReadStream(path),
          ContentLength: size,
          ChecksumSHA256: Buffer.from(sha256Hex, "hex").toString("base64"),
          ContentType: "application/octet-stream",
        }),
      ),
    );
  }

  async copy(from: string, to: string): Promise<void> {
    const source = `${this.bucket}/${from.split("/").map(encodeURIComponent).join("/")}`;
    const command = new CopyObjectCommand({ Bucket: this.bucket, Key: to, CopySource: source });
    await this.attempt(`copying ${from} to ${to}`, () => this.client.send(command));
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const command = new ListObjectsV2Command({
        Bucket: this.bucket,
        Prefix: prefix,
        ...(token ? { ContinuationToken: token } : {}),
      });
      const out = await this.attempt(`listing ${prefix}`, () => this.client.send(command));
      for (const object of out.Contents ?? []) if (object.Key) keys.push(object.Key);
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async delete(key: string): Promise<void> {
    const command = new DeleteObjectCommand({ Bucket: this.bucket, Key: key });
    await this.attempt(`deleting ${key}`, () => this.client.send(command));
  }

  private async attempt<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw this.failure(what, err);
    }
  }

  private failure(what: string, err: unknown): DbPublishError {
    return new DbPublishError(`s3://${this.bucket}: ${what} failed`, { cause: err });
  }
}

/** NoSuchKey, or a bare 404 (no ListBucket); a missing bucket stays an error. */
function isMissing(err: unknown): boolean {
  if (!(err instanceof Error) || err.name === "NoSuchBucket") return false;
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return err.name === "NoSuchKey" || err.name === "NotFound" || status === 404;
}
