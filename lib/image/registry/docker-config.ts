import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type Logger, silentLogger } from "../../logger.js";
import type { Credential, CredentialProvider } from "./credentials.js";

/** The parts of ~/.docker/config.json that hold credentials. */
export interface DockerConfigFile {
  auths?: Record<string, DockerAuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

export interface DockerAuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

export interface DockerConfigOptions {
  /** Directory holding config.json: the CLI passes $DOCKER_CONFIG or ~/.docker. */
  configDir: string;
  /** Environment for credential helpers (its PATH finds them); the process environment when absent. */
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** How long a credential helper may run; default 10 s (ecr-login calls AWS). */
  helperTimeoutMs?: number;
}

/** The key `docker login` uses for Docker Hub, in config.json and in credential helpers. */
export const DOCKER_HUB_SERVER_URL = "https://index.docker.io/v1/";

const DOCKER_HUB_HOSTS = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);
const HELPER_NAME_RE = /^[A-Za-z0-9._-]+$/;
const DEFAULT_HELPER_TIMEOUT_MS = 10_000;

/** "https://Host:5000/v1/" → "host:5000"; every Docker Hub alias → "docker.io". */
export function normalizeRegistryKey(key: string): string {
  const host = (
    key
      .trim()
      .replace(/^[a-z][a-z0-9+.-]*:\/\//i, "")
      .split("/")[0] ?? ""
  ).toLowerCase();
  return DOCKER_HUB_HOSTS.has(host) ? "docker.io" : host;
}

/**
 * Credentials the way the docker CLI finds them: `credHelpers[host]`, then `credsStore`, then the
 * `auths` entry. The file is read once; a missing or broken file or helper means "no credential".
 */
export function dockerConfigCredentials(options: DockerConfigOptions): CredentialProvider {
  const logger = options.logger ?? silentLogger;
  let config: Promise<DockerConfigFile | undefined> | undefined;
  const cache = new Map<string, Promise<Credential | undefined>>();

  const lookup = async (registryHost: string): Promise<Credential | undefined> => {
    config ??= readDockerConfig(options.configDir, logger);
    const file = await config;
    if (!file) return undefined;
    const host = normalizeRegistryKey(registryHost);
    const serverUrl = host === "docker.io" ? DOCKER_HUB_SERVER_URL : host;

    const helper = findEntry(file.credHelpers, host) ?? file.credsStore;
    if (helper) {
      const credential = await runCredentialHelper(helper, serverUrl, {
        env: options.env,
        logger,
        timeoutMs: options.helperTimeoutMs ?? DEFAULT_HELPER_TIMEOUT_MS,
      });
      if (credential) return credential;
    }
    const entry = findEntry(file.auths, host);
    return entry ? credentialFromAuthEntry(entry, host, logger) : undefined;
  };

  return (registryHost) => {
    const key = normalizeRegistryKey(registryHost);
    let found = cache.get(key);
    if (!found) {
      found = lookup(registryHost);
      cache.set(key, found);
    }
    return found;
  };
}

/** Reads and parses `<configDir>/config.json`; undefined (with a warning if broken) when unusable. */
export async function readDockerConfig(
  configDir: string,
  logger: Logger = silentLogger,
): Promise<DockerConfigFile | undefined> {
  const path = join(configDir, "config.json");
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      logger.warn("cannot read docker config; continuing without credentials", { path, error: String(err) });
    }
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new Error("not an object");
    return parsed as DockerConfigFile;
  } catch (err) {
    logger.warn("docker config is not valid JSON; continuing without credentials", {
      path,
      error: String(err),
    });
    return undefined;
  }
}

/** Turns an `auths` entry into a credential: identitytoken, base64 "user:pass", or username/password. */
export function credentialFromAuthEntry(
  entry: DockerAuthEntry,
  host: string,
  logger: Logger = silentLogger,
): Credential | undefined {
  if (entry.identitytoken) return { identityToken: entry.identitytoken };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) {
      logger.warn("docker config auth entry is not base64 user:password; ignoring it", { registry: host });
      return undefined;
    }
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry.username && entry.password !== undefined)
    return { username: entry.username, password: entry.password };
  return undefined; // an empty placeholder left by `docker login` with a credsStore
}

export interface CredentialHelperOptions {
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  timeoutMs?: number;
}

/**
 * Runs `docker-credential-<name> get` (docker-credential-helpers protocol): server URL on stdin,
 * JSON {ServerURL, Username, Secret} on stdout. Any failure → undefined and a warning.
 */
export function runCredentialHelper(
  name: string,
  serverUrl: string,
  options: CredentialHelperOptions = {},
): Promise<Credential | undefined> {
  const logger = options.logger ?? silentLogger;
  const program = `docker-credential-${name}`;
  if (!HELPER_NAME_RE.test(name)) {
    logger.warn("ignoring credential helper with an invalid name", { helper: name });
    return Promise.resolve(undefined);
  }
  return new Promise((resolve) => {
    let settled = false;
    const finish = (
      credential: Credential | undefined,
      warning?: string,
      fields?: Record<string, unknown>,
    ) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (warning) logger.warn(warning, { helper: program, server: serverUrl, ...fields });
      resolve(credential);
    };

    // Spawning with options.env makes Node look the program up on options.env.PATH.
    // detached: its own process group, so a timeout also kills whatever a wrapper script started.
    const child = spawn(program, ["get"], {
      env: options.env,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
      finish(undefined, "credential helper timed out; continuing without credentials", {
        timeoutMs: options.timeoutMs ?? DEFAULT_HELPER_TIMEOUT_MS,
      });
    }, options.timeoutMs ?? DEFAULT_HELPER_TIMEOUT_MS);

    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (err) =>
      finish(undefined, "credential helper could not be run; continuing without credentials", {
        error: err.message,
      }),
    );
    // A helper that exits before reading stdin makes the write fail with EPIPE; "close" reports it.
    child.stdin.on("error", () => {});
    child.stdin.end(serverUrl);

    child.on("close", (code) => {
      const out = Buffer.concat(stdout).toString("utf8").trim();
      if (code !== 0) {
        // The protocol's way to say "nothing stored for this server" is not worth a warning.
        if (/credentials not found/i.test(out)) {
          logger.debug("credential helper has no credentials for this registry", { helper: program });
          finish(undefined);
          return;
        }
        const message = (Buffer.concat(stderr).toString("utf8").trim() || out).slice(0, 200);
        finish(undefined, "credential helper failed; continuing without credentials", {
          exitCode: code,
          message,
        });
        return;
      }
      try {
        const reply = JSON.parse(out) as { Username?: unknown; Secret?: unknown };
        const username = typeof reply.Username === "string" ? reply.Username : "";
        const secret = typeof reply.Secret === "string" ? reply.Secret : "";
        if (secret === "") finish(undefined);
        else if (username === "<token>") finish({ identityToken: secret });
        else finish({ username, password: secret });
      } catch {
        finish(undefined, "credential helper printed invalid JSON; continuing without credentials");
      }
    });
  });
}

function findEntry<T>(map: Record<string, T> | undefined, host: string): T | undefined {
  if (!map || typeof map !== "object") return undefined;
  if (Object.hasOwn(map, host)) return map[host];
  for (const [key, value] of Object.entries(map)) {
    if (normalizeRegistryKey(key) === host) return value;
  }
  return undefined;
}
