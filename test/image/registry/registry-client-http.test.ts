import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  DigestMismatchError,
  LimitExceededError,
  ManifestError,
  RegistryAuthError,
  RegistryError,
} from "../../../lib/errors.js";
import { MediaType } from "../../../lib/image/media-types.js";
import { parseReference } from "../../../lib/image/reference.js";
import { isLoopbackHost, RegistryClient } from "../../../lib/image/registry/registry-client.js";
import { RegistrySource, type RegistrySourceOptions } from "../../../lib/image/registry/registry-source.js";
import { readAll } from "../../helpers/streams.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface FakeServer {
  host: string;
  requests: { method: string; url: string; authorization?: string }[];
  close(): Promise<void>;
}

const servers: Server[] = [];

async function serve(handler: Handler): Promise<FakeServer> {
  const requests: FakeServer["requests"] = [];
  const server = createServer((req, res) => {
    requests.push({
      method: req.method ?? "GET",
      url: req.url ?? "/",
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

afterAll(async () => {
  for (const server of servers) server.close();
});

const MANIFEST = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: `sha256:${"0".repeat(64)}`, size: 2 },
    layers: [],
  }),
);
const MANIFEST_DIGEST = `sha256:${createHash("sha256").update(MANIFEST).digest("hex")}`;
const BLOB = Buffer.from("layer bytes from the presigned URL");
const BLOB_DIGEST = `sha256:${createHash("sha256").update(BLOB).digest("hex")}`;
const BLOB_DESCRIPTOR = { mediaType: MediaType.ociLayerGzip, digest: BLOB_DIGEST, size: BLOB.length };

const noSleep: RegistrySourceOptions["retry"] = { sleep: async () => {} };

function source(host: string, ref: string, options: RegistrySourceOptions = {}): RegistrySource {
  return new RegistrySource(parseReference(`${host}/${ref}`), { retry: noSleep, ...options });
}

function sendManifest(res: ServerResponse, bytes: Buffer = MANIFEST): void {
  res.writeHead(200, { "content-type": MediaType.ociManifest, "content-length": bytes.length });
  res.end(bytes);
}

const basic = { username: "u", password: "p" };
const BASIC_HEADER = `Basic ${Buffer.from("u:p").toString("base64")}`;

describe("retries", () => {
  it("waits for Retry-After on 429 and then succeeds", async () => {
    let calls = 0;
    const server = await serve((_req, res) => {
      if (++calls === 1) {
        res.writeHead(429, { "retry-after": "1" });
        res.end("slow down");
        return;
      }
      sendManifest(res);
    });
    const waits: number[] = [];
    const started = Date.now();
    const src = source(server.host, "app:1", {
      retry: {
        sleep: async (ms) => {
          waits.push(ms);
          await delay(ms);
        },
      },
    });
    const manifest = await src.fetchManifest();
    const elapsed = Date.now() - started;
    expect(manifest.digest).toBe(MANIFEST_DIGEST);
    expect(calls).toBe(2);
    expect(waits).toEqual([1000]);
    expect(elapsed).toBeGreaterThanOrEqual(990); // timers may round a millisecond early
  });

  it("gives up on repeated 503 after the attempt budget with a one-line RegistryError", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(503);
      res.end();
    });
    const waits: number[] = [];
    const src = source(server.host, "team/app:1", {
      retry: { maxAttempts: 3, baseDelayMs: 100, random: () => 0, sleep: async (ms) => void waits.push(ms) },
    });
    const err = (await src.fetchManifest().catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.message).toBe(
      `${server.host}/team/app:1: registry ${server.host} failed to serve manifest 1 after 3 attempts (HTTP 503 Service Unavailable)`,
    );
    expect(server.requests).toHaveLength(3);
    expect(waits).toEqual([50, 100]);
  });

  it("retries connection failures, then reports the cause", async () => {
    const server = await serve(() => {});
    await server.close();
    let attempts = 0;
    const src = source(server.host, "app:1", {
      retry: { maxAttempts: 2, sleep: async () => {}, onRetry: () => void attempts++ },
    });
    const err = (await src.fetchManifest().catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.message).toMatch(
      new RegExp(`^${server.host}/app:1: cannot reach ${server.host}: fetch failed: .*ECONNREFUSED`),
    );
    expect(attempts).toBe(1);
  });
});

describe("redirects", () => {
  it("follows a blob redirect to another host without the Authorization header", async () => {
    const storage = await serve((req, res) => {
      if (req.headers.authorization) {
        // An S3 presigned URL rejects requests that carry a second authentication mechanism.
        res.writeHead(400);
        res.end("only one auth mechanism allowed");
        return;
      }
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.end(BLOB);
    });
    const registry = await serve((req, res) => {
      if (req.headers.authorization !== BASIC_HEADER) {
        res.writeHead(401, { "www-authenticate": 'Basic realm="test"' });
        res.end();
        return;
      }
      if (req.url === `/v2/app/blobs/${BLOB_DIGEST}`) {
        // Same-host hop first: the header must survive it.
        res.writeHead(302, { location: `/v2/app/blobs/moved/${BLOB_DIGEST}` });
        res.end();
        return;
      }
      res.writeHead(307, { location: `http://${storage.host}/bucket/blob?X-Amz-Signature=abc` });
      res.end();
    });

    const src = source(registry.host, "app:1", { credentials: async () => basic });
    const bytes = await readAll(await src.openBlob(BLOB_DESCRIPTOR));
    expect(bytes.equals(BLOB)).toBe(true);
    expect(registry.requests.map((r) => [r.url, r.authorization])).toEqual([
      [`/v2/app/blobs/${BLOB_DIGEST}`, undefined],
      [`/v2/app/blobs/${BLOB_DIGEST}`, BASIC_HEADER],
      [`/v2/app/blobs/moved/${BLOB_DIGEST}`, BASIC_HEADER],
    ]);
    expect(storage.requests).toEqual([{ method: "GET", url: "/bucket/blob?X-Amz-Signature=abc" }]);
  });

  it("stops after 5 redirects", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(307, { location: "/again" });
      res.end();
    });
    const err = (await source(server.host, "app:1")
      .openBlob(BLOB_DESCRIPTOR)
      .catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.message).toMatch(/more than 5 redirects/);
    expect(server.requests).toHaveLength(6);
  });
});

describe("manifest integrity and limits", () => {
  it("rejects a manifest whose bytes do not match the requested digest", async () => {
    const server = await serve((_req, res) => sendManifest(res, Buffer.concat([MANIFEST, Buffer.from(" ")])));
    const src = source(server.host, `app@${MANIFEST_DIGEST}`);
    const err = (await src.fetchManifest().catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect(err.message).toContain(
      `${server.host}/app@${MANIFEST_DIGEST}: registry returned a manifest whose digest is sha256:`,
    );
    await expect(source(server.host, "app:1").fetchManifest(MANIFEST_DIGEST)).rejects.toThrow(
      DigestMismatchError,
    );
  });

  it("computes the digest itself and ignores Docker-Content-Digest", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, {
        "content-type": `${MediaType.ociManifest}; charset=utf-8`,
        "docker-content-digest": "sha256:lies",
      });
      res.end(MANIFEST);
    });
    const manifest = await source(server.host, "app:1").fetchManifest();
    expect(manifest.digest).toBe(MANIFEST_DIGEST);
    expect(manifest.mediaType).toBe(MediaType.ociManifest);
  });

  it("leaves a generic Content-Type out so the resolver sniffs the bytes", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(MANIFEST);
    });
    expect((await source(server.host, "app:1").fetchManifest()).mediaType).toBeUndefined();
  });

  it("caps manifests at 4 MiB, with or without Content-Length", async () => {
    const big = Buffer.alloc(4 * 1024 * 1024 + 1, 0x20);
    const server = await serve((req, res) => {
      if (req.url?.endsWith("/sized")) {
        sendManifest(res, big);
        return;
      }
      res.writeHead(200, { "content-type": MediaType.ociManifest }); // chunked
      res.write(big.subarray(0, 3 * 1024 * 1024));
      res.end(big.subarray(3 * 1024 * 1024));
    });
    await expect(source(server.host, "app:sized").fetchManifest()).rejects.toThrow(LimitExceededError);
    await expect(source(server.host, "app:chunked").fetchManifest()).rejects.toThrow(
      /larger than 4194304 bytes/,
    );
  });

  it("refuses malformed digests before building a request path", async () => {
    const server = await serve((_req, res) => sendManifest(res));
    const src = source(server.host, "app:1");
    await expect(src.fetchManifest("sha256:../../etc")).rejects.toThrow(ManifestError);
    await expect(src.openBlob({ ...BLOB_DESCRIPTOR, digest: "sha256:x/../y" })).rejects.toThrow(
      ManifestError,
    );
    expect(server.requests).toHaveLength(0);
  });
});

describe("authentication flow", () => {
  it("authenticates up front after the first challenge", async () => {
    const server = await serve((req, res) => {
      if (req.headers.authorization !== BASIC_HEADER) {
        res.writeHead(401, { "www-authenticate": 'Basic realm="r"' });
        res.end();
        return;
      }
      sendManifest(res);
    });
    const src = source(server.host, "app:1", { credentials: async () => basic });
    await src.fetchManifest();
    await src.fetchManifest();
    await src.fetchManifest(MANIFEST_DIGEST);
    expect(server.requests.map((r) => r.authorization ?? "none")).toEqual([
      "none",
      BASIC_HEADER,
      BASIC_HEADER,
      BASIC_HEADER,
    ]);
  });

  it("fetches a fresh Bearer token when the registry rejects the cached one", async () => {
    let issued = 0;
    let valid = "";
    const tokens = await serve((_req, res) => {
      valid = `t${++issued}`;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ token: valid, expires_in: 3600 }));
    });
    const registry = await serve((req, res) => {
      if (req.headers.authorization !== `Bearer ${valid}`) {
        res.writeHead(401, {
          "www-authenticate": `Bearer realm="http://${tokens.host}/token",service="fake",scope="repository:app:pull"`,
        });
        res.end();
        return;
      }
      sendManifest(res);
    });
    const src = source(registry.host, "app:1");
    await src.fetchManifest();
    valid = "revoked"; // the registry stops accepting t1
    await src.fetchManifest();
    expect(registry.requests.map((r) => r.authorization ?? "none")).toEqual([
      "none",
      "Bearer t1",
      "Bearer t1",
      "Bearer t2",
    ]);
    expect(tokens.requests.map((r) => new URL(r.url, "http://x").searchParams.get("scope"))).toEqual([
      "repository:app:pull",
      "repository:app:pull",
    ]);
  });

  it("maps 403 to RegistryAuthError and a challenge-less 401 too", async () => {
    const server = await serve((req, res) => {
      res.writeHead(req.url?.includes("forbidden") ? 403 : 401, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          errors: [{ code: "DENIED", message: "requested access to the resource is denied" }],
        }),
      );
    });
    const err = (await source(server.host, "forbidden:1")
      .fetchManifest()
      .catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(RegistryAuthError);
    expect(err.message).toBe(
      `${server.host}/forbidden:1: access to manifest 1 denied (HTTP 403 Forbidden, DENIED: requested access to the resource is denied; no credentials configured for ${server.host})`,
    );
    await expect(source(server.host, "app:1").fetchManifest()).rejects.toThrow(/without a usable challenge/);
  });

  it("maps other client errors to RegistryError without retrying", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(400);
      res.end("bad");
    });
    await expect(source(server.host, "app:1").fetchManifest()).rejects.toThrow(RegistryError);
    expect(server.requests).toHaveLength(1);
  });

  it("keeps going anonymously when the credential provider throws", async () => {
    const server = await serve((_req, res) => sendManifest(res));
    const src = source(server.host, "app:1", {
      credentials: async () => {
        throw new Error("keychain locked");
      },
    });
    expect((await src.fetchManifest()).digest).toBe(MANIFEST_DIGEST);
  });
});

describe("transport choice", () => {
  it.each([
    ["localhost", true],
    ["localhost:5000", true],
    ["127.0.0.1:5000", true],
    ["127.255.0.9", true],
    ["[::1]:5000", true],
    ["[::1]", true],
    ["128.0.0.1:5000", false],
    ["localhost.example.com", false],
    ["registry.example.com", false],
  ])("%s is loopback: %s", (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });

  it("uses https except for loopback hosts or insecure mode", () => {
    expect(new RegistryClient("ghcr.io").baseUrl).toBe("https://ghcr.io");
    expect(new RegistryClient("ghcr.io", { insecure: true }).baseUrl).toBe("http://ghcr.io");
    expect(new RegistryClient("localhost:5000").baseUrl).toBe("http://localhost:5000");
    expect(new RegistryClient("[::1]:5000").baseUrl).toBe("http://[::1]:5000");
  });

  it("sends Docker Hub requests to registry-1.docker.io but asks for credentials as docker.io", async () => {
    const seen: { url: string; host?: string }[] = [];
    const fakeFetch = (async (input: string | URL | Request, init?: RequestInit) => {
      seen.push({ url: String(input) });
      if (!new Headers(init?.headers).has("authorization")) {
        return new Response(null, { status: 401, headers: { "www-authenticate": 'Basic realm="hub"' } });
      }
      return new Response(MANIFEST, { status: 200, headers: { "content-type": MediaType.ociManifest } });
    }) as typeof fetch;
    const src = new RegistrySource(parseReference("alpine:3.20"), {
      fetch: fakeFetch,
      credentials: async (host) => {
        seen.push({ url: "credentials", host });
        return basic;
      },
    });
    await src.fetchManifest();
    const url = "https://registry-1.docker.io/v2/library/alpine/manifests/3.20";
    expect(seen).toEqual([{ url }, { url: "credentials", host: "docker.io" }, { url }]);
    expect(src.name).toBe("docker.io/library/alpine:3.20");
  });
});
