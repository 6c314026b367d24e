import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { startLocalServer } from "../../lib/local/local-server.js";
import { loadRepositoryPolicies } from "../../lib/policy/repository-policy-file.js";
import { stderrLogger } from "../stderr-logger.js";
import { untilSignal } from "../until-signal.js";
import { defaultDbPath } from "../vulndb-path.js";
import { UsageError } from "./scan.js";

export interface ServeCommandOptions {
  dataDir?: string;
  port?: number;
  registry?: boolean;
  registryPort?: number;
  db?: string;
  webhook?: string;
  concurrency: number;
  /** YAML or JSON server configuration with per-repository `policies`. */
  policy?: string;
}

/**
 * `portcullis serve`: the local pipeline in one process, until SIGINT or SIGTERM. Without
 * --registry, point an existing registry's notifications at <url>/registry/events.
 */
export async function runServe(opts: ServeCommandOptions): Promise<void> {
  if (opts.webhook && !/^https?:\/\//.test(opts.webhook))
    throw new UsageError(`--webhook must be an http(s) URL, not ${JSON.stringify(opts.webhook)}`);
  if (opts.db && !existsSync(opts.db)) throw new UsageError(`--db ${opts.db} does not exist`);
  const dbPath = opts.db ?? (existsSync(defaultDbPath()) ? defaultDbPath() : undefined);
  const dataDir = opts.dataDir ?? defaultDataDir();
  const policies = opts.policy ? await loadRepositoryPolicies(opts.policy) : undefined;
  const server = await startLocalServer({
    dataDir,
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    startRegistry: Boolean(opts.registry),
    ...(opts.registryPort !== undefined ? { registryPort: opts.registryPort } : {}),
    ...(dbPath ? { vulnDbPath: dbPath } : {}),
    ...(opts.webhook ? { webhook: opts.webhook } : {}),
    ...(policies ? { policies } : {}),
    concurrency: opts.concurrency,
    logger: stderrLogger(),
    print: (line) => process.stdout.write(`${line}\n`),
  });
  const lines = [
    `portcullis serve: dashboard ${server.url}/ (API ${server.url}/api/, GET /images, POST /scans, GET /healthz)`,
    server.registry
      ? `registry: ${server.registry.host} (push with e.g. skopeo copy --dest-tls-verify=false ... docker://${server.registry.host}/app:1)`
      : `registry notifications: point an endpoint at ${server.url}/registry/events`,
    `data: ${dataDir} (DynamoDB ${server.dynamoEndpoint}, S3 ${server.s3Endpoint})`,
    dbPath
      ? `vulnerability DB: ${dbPath}`
      : "vulnerability DB: none (run `portcullis db update`); listing packages only",
    ...(opts.webhook ? [`webhook: ${opts.webhook}`] : []),
    ...(opts.policy ? [`repository policies: ${opts.policy}`] : []),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);

  await untilSignal();
  process.stdout.write("portcullis serve: stopping\n");
  await server.stop();
}

/** Images and reports are data, not cache: $XDG_DATA_HOME/portcullis/serve. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "portcullis", "serve");
}
