import { join } from "node:path";
import { defaultCacheDir } from "./docker-config-dir.js";

/** Where `db update` keeps the DB and its feeds, and where `scan` looks for it. */
export function defaultDbPath(cacheDir: string = defaultCacheDir()): string {
  return join(cacheDir, "db", "portcullis.db");
}

export function defaultFeedsDir(cacheDir = defaultCacheDir()): string {
  return join(cacheDir, "db", "feeds");
}
