import { HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Logger } from "../logger.js";
import type { VulnDb } from "../vulndb/db/db-reader.js";

export interface S3DbRefresherOptions {
  bucket: string;
  key: string;
  /** Opens the DB at bucket/key (ranged GETs). */
  open(): Promise<VulnDb>;
  /** How often to ask S3 whether the key holds a new build; default 5 minutes. */
  checkEveryMs?: number;
  now?: () => number;
  logger: Logger;
}

/**
 * Keeps a warm Lambda on the published DB: the key is replaced every few hours by db-update, but a
 * warm instance would otherwise match against the build it cold-started with until it is
 * recycled. A HEAD every few minutes compares the ETag; a new one reopens the DB.
 */
export class S3DbRefresher {
  private db: VulnDb | undefined;
  private etag: string | undefined;
  private checkedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly s3: Pick<S3Client, "send">,
    private readonly options: S3DbRefresherOptions,
  ) {}

  /** The DB to scan with now; call between jobs, never while one is matching. */
  async current(): Promise<VulnDb> {
    const now = this.options.now?.() ?? Date.now();
    if (this.db && now - this.checkedAt < (this.options.checkEveryMs ?? 300_000)) return this.db;
    const etag = await this.headEtag();
    this.checkedAt = now;
    if (this.db && etag === this.etag) return this.db;
    const previous = this.db;
    this.db = await this.options.open();
    this.etag = etag;
    if (previous) {
      this.options.logger.info("vulnerability DB reloaded", {
        from: previous.metadata.builtAt,
        to: this.db.metadata.builtAt,
      });
      await previous.close().catch(() => {});
    }
    return this.db;
  }

  private async headEtag(): Promise<string | undefined> {
    const out = await this.s3.send(
      new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.options.key }),
    );
    return out.ETag;
  }
}
