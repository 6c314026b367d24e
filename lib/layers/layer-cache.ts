import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LAYER_RESULT_SCHEMA, type LayerResult } from "./layer-result.js";

/**
 * Layer results are a pure function of the layer content (diffID) and the analyzers that read it,
 * so a base layer shared by many images is analysed once.
 */
export interface LayerCache {
  get(key: string): Promise<LayerResult | undefined>;
  put(key: string, result: LayerResult): Promise<void>;
}

export function layerCacheKey(diffID: string, analyzersKey: string): string {
  const hash = createHash("sha256").update(`${LAYER_RESULT_SCHEMA}\n${analyzersKey}\n${diffID}`);
  return hash.digest("hex");
}

/** A directory of JSON files; writes go through a temp file so readers never see half a result. */
export class DirectoryLayerCache implements LayerCache {
  constructor(private readonly dir: string) {}

  async get(key: string): Promise<LayerResult | undefined> {
    try {
      const parsed = JSON.parse(await readFile(this.file(key), "utf8")) as LayerResult;
      return parsed.schema === LAYER_RESULT_SCHEMA ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  async put(key: string, result: LayerResult): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = `${this.file(key)}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, JSON.stringify(result));
    await rename(tmp, this.file(key));
  }

  private file(key: string): string {
    if (!/^[a-f0-9]{64}$/.test(key)) throw new Error(`invalid layer cache key ${key}`);
    return join(this.dir, `${key}.json`);
  }
}

export class MemoryLayerCache implements LayerCache {
  readonly entries = new Map<string, LayerResult>();
  async get(key: string): Promise<LayerResult | undefined> {
    return this.entries.get(key);
  }
  async put(key: string, result: LayerResult): Promise<void> {
    this.entries.set(key, result);
  }
}
