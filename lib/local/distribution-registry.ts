import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PortcullisError } from "../errors.js";
import { freePort, killProcess, waitForRegistry } from "./child-process.js";

export interface DistributionRegistryOptions {
  /** Config and storage live here: config.yml and data/. */
  dir: string;
  /** Where the registry POSTs its notification envelopes. */
  notifyUrl: string;
  /** A fixed port; default a free one. */
  port?: number;
  /** The binary: Debian's `docker-registry` (CNCF distribution 2.8). */
  command?: string;
  startTimeoutMs?: number;
}

export interface DistributionRegistry {
  /** "127.0.0.1:PORT", what image references use. */
  host: string;
  url: string;
  stop(): Promise<void>;
}

export class RegistryStartError extends PortcullisError {
  override name = "RegistryStartError";
}

/** The registry's config: filesystem storage, loopback only, push notifications to `notifyUrl`. */
export function registryConfig(options: { dataDir: string; host: string; notifyUrl: string }): string {
  return [
    "version: 0.1",
    "log:",
    "  level: error",
    "  accesslog:",
    "    disabled: true",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${options.dataDir}`,
    "  delete:",
    "    enabled: true",
    "http:",
    `  addr: ${options.host}`,
    "  secret: portcullis-local",
    "notifications:",
    "  endpoints:",
    "    - name: portcullis",
    `      url: ${options.notifyUrl}`,
    "      timeout: 5s",
    "      threshold: 5",
    "      backoff: 1s",
    // Blob uploads are reported as application/octet-stream: not worth a request each.
    "      ignoredmediatypes:",
    "        - application/octet-stream",
    "",
  ].join("\n");
}

/** Starts `docker-registry serve` on 127.0.0.1; the caller must `stop()` it. */
export async function startDistributionRegistry(
  options: DistributionRegistryOptions,
): Promise<DistributionRegistry> {
  await mkdir(join(options.dir, "data"), { recursive: true });
  let lastError: unknown;
  // A free port can be taken between our probe and the registry's bind: try a few.
  for (let attempt = 0; attempt < (options.port ? 1 : 3); attempt++) {
    const port = options.port ?? (await freePort());
    const host = `127.0.0.1:${port}`;
    const configPath = join(options.dir, "config.yml");
    await writeFile(
      configPath,
      registryConfig({ dataDir: join(options.dir, "data"), host, notifyUrl: options.notifyUrl }),
    );
    const child = spawn(options.command ?? "docker-registry", ["serve", configPath], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-4000);
    });
    const spawnError = new Promise<never>((_, reject) => child.once("error", reject));
    spawnError.catch(() => {});
    try {
      await Promise.race([
        waitForRegistry(child, `http://${host}/v2/`, options.startTimeoutMs ?? 10_000),
        spawnError,
      ]);
    } catch (err) {
      await killProcess(child);
      lastError = new RegistryStartError(
        `docker-registry did not start: ${(err as Error).message} ${stderr}`,
        {
          cause: err,
        },
      );
      continue;
    }
    // Never leave an orphan registry behind if this process exits without stop().
    const killOnExit = () => child.kill("SIGKILL");
    process.once("exit", killOnExit);
    let stopped: Promise<void> | undefined;
    return {
      host,
      url: `http://${host}`,
      stop() {
        stopped ??= (async () => {
          process.off("exit", killOnExit);
          await killProcess(child);
        })();
        return stopped;
      },
    };
  }
  throw lastError;
}
