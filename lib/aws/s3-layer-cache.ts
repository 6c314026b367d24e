import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import type { LayerCache } from "../layers/layer-cache.js";
import { LAYER_RESULT_SCHEMA, type LayerResult } from "../layers/layer-result.js";
import { type Logger, silentLogger } from "../logger.js";
import type { BlobStore } from "../stores/findings-store.js";

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/**
 * Layer results as gzip-compressed JSON under `layers/<key>.json.gz` in a BlobStore (S3BlobStore in
 * AWS). A cache never fails a scan: a missing, corrupt or unreadable object is a miss, and a failed
 * write is logged and dropped.
 */
export class S3LayerCache implements LayerCache {
  constructor(
    private readonly blobs: BlobStore,
    private readonly logger: Logger = silentLogger,
  ) {}

  async get(key: string): Promise<LayerResult | undefined> {
    const objectKey = layerObjectKey(key);
    try {
      const body = await this.blobs.get(objectKey);
      if (!body) return undefined;
      const parsed = JSON.parse((await gunzipAsync(body)).toString("utf8")) as LayerResult;
      return parsed?.schema === LAYER_RESULT_SCHEMA && Array.isArray(parsed.paths) ? parsed : undefined;
    } catch (err) {
      this.logger.warn("layer cache read failed; treating as a miss", { key: objectKey, error: String(err) });
      return undefined;
    }
  }

  async put(key: string, result: LayerResult): Promise<void> {
    const objectKey = layerObjectKey(key);
    try {
      const body = await gzipAsync(Buffer.from(JSON.stringify(result)));
      await this.blobs.put(objectKey, body, "application/gzip");
    } catch (err) {
      this.logger.warn("layer cache write failed", { key: objectKey, error: String(err) });
    }
  }
}

export function layerObjectKey(key: string): string {
  // Keys are layerCacheKey hashes; anything else would let a caller write outside layers/.
  if (!/^[a-f0-9]{64}$/.test(key)) throw new Error(`invalid layer cache key ${key}`);
  return `layers/${key}.json.gz`;
}
