import { homedir } from "node:os";
import { join } from "node:path";

/** Where docker (and skopeo, crane, trivy) look for config.json: $DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || join(homedir(), ".docker");
}

/** Layer analyses are cached per user, like trivy's ~/.cache/trivy. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "portcullis");
}
