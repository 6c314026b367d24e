import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync, gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { MediaType } from "../../lib/image/media-types.js";
import type { Platform } from "../../lib/image/types.js";
import { freePort, killProcess, waitForRegistry } from "../../lib/local/child-process.js";
import { startTokenServer, type TokenServer } from "./token-server.js";

const run = promisify(execFile);

export type RegistryAuthMode = "none" | "htpasswd" | "token";

export interface StartRegistryOptions {
  auth?: RegistryAuthMode;
  username?: string;
  password?: string;
  /** Token mode: identity (refresh) token → username, for the OAuth2 grant. */
  identityTokens?: Record<string, string>;
}

/** A running `docker-registry serve` (CNCF distribution 2.8) on 127.0.0.1. */
export interface TestRegistry {
  /** "127.0.0.1:PORT", what a reference uses. */
  host: string;
  /** "http://127.0.0.1:PORT". */
  url: string;
  auth: RegistryAuthMode;
  /** Valid credentials (htpasswd and token modes). */
  username: string;
  password: string;
  /** Token mode only: the token server, with its request log. */
  tokenServer?: TokenServer;
  /** Kills the registry and token server and deletes the temp dir; safe to call twice. */
  stop(): Promise<void>;
}

const TOKEN_SERVICE = "portcullis-test-registry";
const TOKEN_ISSUER = "portcullis-test-issuer";
const START_TIMEOUT_MS = 10_000;

/** Starts a real registry in a temp dir. Always `await registry.stop()` in afterAll. */
export async function startRegistry(options: StartRegistryOptions = {}): Promise<TestRegistry> {
  const auth = options.auth ?? "none";
  const username = options.username ?? "portcullis";
  const password = options.password ?? "s3cret-pass";
  const dir = await mkdtemp(join(tmpdir(), "portcullis-registry-"));
  let tokenServer: TokenServer | undefined;
  try {
    const authConfig: string[] = [];
    if (auth === "htpasswd") {
      // The registry accepts only bcrypt entries.
      const { stdout } = await run("htpasswd", ["-Bbn", username, password]);
      await writeFile(join(dir, "htpasswd"), stdout);
      authConfig.push(
        "auth:",
        "  htpasswd:",
        "    realm: portcullis-test",
        `    path: ${join(dir, "htpasswd")}`,
      );
    } else if (auth === "token") {
      await run("openssl", [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        join(dir, "token.key"),
        "-out",
        join(dir, "token.crt"),
        "-days",
        "2",
        "-subj",
        "/CN=portcullis-test-token-issuer",
      ]);
      tokenServer = await startTokenServer({
        keyPem: await readFile(join(dir, "token.key"), "utf8"),
        certPem: await readFile(join(dir, "token.crt"), "utf8"),
        issuer: TOKEN_ISSUER,
        service: TOKEN_SERVICE,
        users: { [username]: password },
        ...(options.identityTokens ? { identityTokens: options.identityTokens } : {}),
      });
      authConfig.push(
        "auth:",
        "  token:",
        `    realm: ${tokenServer.realm}`,
        `    service: ${TOKEN_SERVICE}`,
        `    issuer: ${TOKEN_ISSUER}`,
        `    rootcertbundle: ${join(dir, "token.crt")}`,
      );
    }

    const { child, host } = await spawnRegistry(dir, authConfig);
    let stopped = false;
    const killOnExit = () => child.kill("SIGKILL");
    // If the test worker dies without afterAll, do not leave an orphan registry behind.
    process.once("exit", killOnExit);
    return {
      host,
      url: `http://${host}`,
      auth,
      username,
      password,
      ...(tokenServer ? { tokenServer } : {}),
      async stop() {
        if (stopped) return;
        stopped = true;
        process.off("exit", killOnExit);
        await killProcess(child);
        await tokenServer?.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await tokenServer?.close();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function spawnRegistry(
  dir: string,
  authConfig: string[],
): Promise<{ child: ChildProcess; host: string }> {
  let lastError: unknown;
  // The free port can be taken between our probe and the registry's bind: try a few times.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const configPath = join(dir, "config.yml");
    const config = [
      "version: 0.1",
      "log:",
      "  level: error",
      "  accesslog:",
      "    disabled: true",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${join(dir, "data")}`,
      "  delete:",
      "    enabled: true",
      "http:",
      `  addr: ${host}`,
      "  secret: portcullis-test-secret",
      ...authConfig,
      "",
    ].join("\n");
    await writeFile(configPath, config);
    const child = spawn("docker-registry", ["serve", configPath], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-4000);
    });
    try {
      await waitForRegistry(child, `http://${host}/v2/`, START_TIMEOUT_MS);
      return { child, host };
    } catch (err) {
      await killProcess(child);
      lastError = new Error(`docker-registry did not start: ${(err as Error).message}\n${stderr}`);
    }
  }
  throw lastError;
}

// ---------------------------------------------------------------------------------------------
// Pushing, like a client: monolithic blob uploads and manifest PUTs, answering auth challenges.

const authCache = new WeakMap<TestRegistry, Map<string, string>>();

/** A request to the registry that answers a 401 (Basic or Bearer with pull,push scope) once. */
async function registryRequest(
  registry: TestRegistry,
  repo: string,
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: Buffer },
): Promise<Response> {
  let cache = authCache.get(registry);
  if (!cache) {
    cache = new Map();
    authCache.set(registry, cache);
  }
  const send = (authorization?: string) =>
    fetch(url, {
      method: init.method,
      headers: { ...init.headers, ...(authorization ? { authorization } : {}) },
      ...(init.body ? { body: init.body } : {}),
      redirect: "manual",
    });
  let response = await send(cache.get(repo));
  if (response.status !== 401) return response;
  await response.body?.cancel();
  const challenge = response.headers.get("www-authenticate") ?? "";
  const basic = `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString("base64")}`;
  let authorization: string;
  if (/^basic/i.test(challenge)) {
    authorization = basic;
  } else {
    const realm = /realm="([^"]+)"/.exec(challenge)?.[1];
    const service = /service="([^"]+)"/.exec(challenge)?.[1];
    if (!realm) throw new Error(`unexpected challenge: ${challenge}`);
    const tokenUrl = new URL(realm);
    if (service) tokenUrl.searchParams.set("service", service);
    tokenUrl.searchParams.set("scope", `repository:${repo}:pull,push`);
    const tokenResponse = await fetch(tokenUrl, { headers: { authorization: basic } });
    if (!tokenResponse.ok) throw new Error(`token server answered ${tokenResponse.status}`);
    const body = (await tokenResponse.json()) as { token?: string; access_token?: string };
    authorization = `Bearer ${body.token ?? body.access_token}`;
  }
  cache.set(repo, authorization);
  response = await send(authorization);
  return response;
}

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** Uploads one blob with POST + monolithic PUT; returns its digest. */
export async function pushBlob(registry: TestRegistry, repo: string, bytes: Buffer): Promise<string> {
  const digest = sha256Digest(bytes);
  const start = await registryRequest(registry, repo, `${registry.url}/v2/${repo}/blobs/uploads/`, {
    method: "POST",
  });
  await start.body?.cancel();
  const location = start.headers.get("location");
  if (start.status !== 202 || !location) throw new Error(`blob upload start failed: HTTP ${start.status}`);
  const uploadUrl = new URL(location, registry.url);
  uploadUrl.searchParams.set("digest", digest);
  const put = await registryRequest(registry, repo, uploadUrl.toString(), {
    method: "PUT",
    headers: { "content-type": "application/octet-stream" },
    body: bytes,
  });
  await put.body?.cancel();
  if (put.status !== 201) throw new Error(`blob upload failed: HTTP ${put.status}`);
  return digest;
}

/** PUTs a manifest or index under a tag or digest; returns its digest. */
export async function pushManifest(
  registry: TestRegistry,
  repo: string,
  reference: string,
  bytes: Buffer,
  mediaType: string,
): Promise<string> {
  const res = await registryRequest(registry, repo, `${registry.url}/v2/${repo}/manifests/${reference}`, {
    method: "PUT",
    headers: { "content-type": mediaType },
    body: bytes,
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`manifest upload failed: HTTP ${res.status} ${text}`);
  return sha256Digest(bytes);
}

export interface PushImageInput {
  config: Buffer;
  /** Gzipped tar layers. */
  layers: Buffer[];
  manifestMediaType?: "oci" | "docker";
}

export interface PushedImage {
  manifestDigest: string;
  manifest: Buffer;
  manifestMediaType: string;
  configDigest: string;
  layerDigests: string[];
}

export async function pushImage(
  registry: TestRegistry,
  repo: string,
  tag: string,
  image: PushImageInput,
): Promise<PushedImage> {
  const docker = image.manifestMediaType === "docker";
  const configDigest = await pushBlob(registry, repo, image.config);
  const layerDigests: string[] = [];
  for (const layer of image.layers) layerDigests.push(await pushBlob(registry, repo, layer));
  const manifestMediaType = docker ? MediaType.dockerManifest : MediaType.ociManifest;
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: manifestMediaType,
      config: {
        mediaType: docker ? MediaType.dockerConfig : MediaType.ociConfig,
        digest: configDigest,
        size: image.config.length,
      },
      layers: image.layers.map((layer, i) => ({
        mediaType: docker ? MediaType.dockerLayer : MediaType.ociLayerGzip,
        digest: layerDigests[i],
        size: layer.length,
      })),
    }),
  );
  const manifestDigest = await pushManifest(registry, repo, tag, manifest, manifestMediaType);
  return { manifestDigest, manifest, manifestMediaType, configDigest, layerDigests };
}

export interface PushedIndex {
  indexDigest: string;
  index: Buffer;
  images: (PushedImage & { platform: Platform })[];
}

/** Pushes one image per platform (by digest) and an OCI index over them under `tag`. */
export async function pushIndex(
  registry: TestRegistry,
  repo: string,
  tag: string,
  platforms: { platform: Platform; image: PushImageInput }[],
): Promise<PushedIndex> {
  const images: PushedIndex["images"] = [];
  for (const { platform, image } of platforms) {
    const pushed = await pushImage(registry, repo, `tmp-${platform.architecture}`, image);
    images.push({ ...pushed, platform });
  }
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: images.map((img) => ({
        mediaType: img.manifestMediaType,
        digest: img.manifestDigest,
        size: img.manifest.length,
        platform: img.platform,
      })),
    }),
  );
  const indexDigest = await pushManifest(registry, repo, tag, index, MediaType.ociIndex);
  return { indexDigest, index, images };
}

/** A tiny gzipped tar layer with the given files. */
export async function makeLayer(files: Record<string, string>): Promise<Buffer> {
  const tar = pack();
  for (const [name, content] of Object.entries(files)) {
    tar.entry({ name, mtime: new Date("2024-01-01T00:00:00Z"), mode: 0o644 }, content);
  }
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar) chunks.push(chunk as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

/** A minimal single-layer image (config + one layer) whose content varies with `label`. */
export async function makeSmallImage(
  label: string,
  platform: Platform = { os: "linux", architecture: "amd64" },
): Promise<PushImageInput & { layerTar: Buffer }> {
  const layer = await makeLayer({
    "etc/os-release": `ID=test\nNAME="${label}"\n`,
    "hello.txt": `hi ${label}\n`,
  });
  const layerTar = gunzipSync(layer);
  const config = Buffer.from(
    JSON.stringify({
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      config: { Env: ["PATH=/usr/bin"], Cmd: ["/bin/sh"] },
      rootfs: { type: "layers", diff_ids: [sha256Digest(layerTar)] },
      history: [{ created_by: `test ${label}` }],
    }),
  );
  return { config, layers: [layer], layerTar };
}
