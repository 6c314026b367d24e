import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotFoundError, RegistryAuthError } from "../../../lib/errors.js";
import { MediaType } from "../../../lib/image/media-types.js";
import { parseReference } from "../../../lib/image/reference.js";
import type { Credential } from "../../../lib/image/registry/credentials.js";
import { RegistrySource, type RegistrySourceOptions } from "../../../lib/image/registry/registry-source.js";
import { TokenAuth } from "../../../lib/image/registry/token-auth.js";
import type { Descriptor, ImageIndex, ImageManifest } from "../../../lib/image/types.js";
import {
  makeSmallImage,
  type PushedImage,
  type PushedIndex,
  type PushImageInput,
  pushImage,
  pushIndex,
  sha256Digest,
  startRegistry,
  type TestRegistry,
} from "../../helpers/registry.js";
import { readAll } from "../../helpers/streams.js";

function source(registry: TestRegistry, ref: string, options: RegistrySourceOptions = {}): RegistrySource {
  return new RegistrySource(parseReference(`${registry.host}/${ref}`), options);
}

const credentialsOf =
  (registry: TestRegistry): RegistrySourceOptions["credentials"] =>
  async () => ({
    username: registry.username,
    password: registry.password,
  });

const only =
  (credential: Credential): RegistrySourceOptions["credentials"] =>
  async () =>
    credential;

describe("RegistrySource against an anonymous registry", () => {
  let registry: TestRegistry;
  let image: PushImageInput & { layerTar: Buffer };
  let pushed: PushedImage;
  let dockerPushed: PushedImage;
  let index: PushedIndex;

  beforeAll(async () => {
    registry = await startRegistry();
    image = await makeSmallImage("anonymous");
    pushed = await pushImage(registry, "team/app", "1.0", image);
    dockerPushed = await pushImage(registry, "team/docker-app", "latest", {
      ...(await makeSmallImage("docker")),
      manifestMediaType: "docker",
    });
    index = await pushIndex(registry, "team/multi", "2.0", [
      { platform: { os: "linux", architecture: "amd64" }, image: await makeSmallImage("amd64") },
      {
        platform: { os: "linux", architecture: "arm64", variant: "v8" },
        image: await makeSmallImage("arm64", { os: "linux", architecture: "arm64", variant: "v8" }),
      },
    ]);
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it("fetches the manifest by tag with its computed digest and media type", async () => {
    const src = source(registry, "team/app:1.0");
    expect(src.kind).toBe("registry");
    expect(src.name).toBe(`${registry.host}/team/app:1.0`);
    const manifest = await src.fetchManifest();
    expect(manifest.bytes.equals(pushed.manifest)).toBe(true);
    expect(manifest.digest).toBe(pushed.manifestDigest);
    expect(manifest.mediaType).toBe(MediaType.ociManifest);
  });

  it("fetches by digest reference, by digest argument, and prefers the digest over the tag", async () => {
    const byDigest = await source(registry, `team/app@${pushed.manifestDigest}`).fetchManifest();
    expect(byDigest.digest).toBe(pushed.manifestDigest);

    const child = await source(registry, "team/app:1.0").fetchManifest(pushed.manifestDigest);
    expect(child.bytes.equals(pushed.manifest)).toBe(true);

    // Tag "1.0" exists but the digest names another manifest of the repo: the digest wins.
    const other = await pushImage(registry, "team/app", "other", await makeSmallImage("other"));
    const both = await source(registry, `team/app:1.0@${other.manifestDigest}`).fetchManifest();
    expect(both.digest).toBe(other.manifestDigest);
  });

  it("streams config and layer blobs byte for byte", async () => {
    const src = source(registry, "team/app:1.0");
    const manifest = JSON.parse((await src.fetchManifest()).bytes.toString("utf8")) as ImageManifest;
    const config = await readAll(await src.openBlob(manifest.config));
    expect(config.equals(image.config)).toBe(true);
    const layerDescriptor = manifest.layers[0] as Descriptor;
    const layer = await readAll(await src.openBlob(layerDescriptor));
    expect(layer.equals(image.layers[0] as Buffer)).toBe(true);
    expect(sha256Digest(layer)).toBe(layerDescriptor.digest);
  });

  it("reports the Docker v2 media type for Docker manifests", async () => {
    const manifest = await source(registry, "team/docker-app").fetchManifest();
    expect(manifest.mediaType).toBe(MediaType.dockerManifest);
    expect(manifest.digest).toBe(dockerPushed.manifestDigest);
  });

  it("fetches a two-platform OCI index and each platform manifest", async () => {
    const src = source(registry, "team/multi:2.0");
    const fetched = await src.fetchManifest();
    expect(fetched.mediaType).toBe(MediaType.ociIndex);
    expect(fetched.digest).toBe(index.indexDigest);
    const parsed = JSON.parse(fetched.bytes.toString("utf8")) as ImageIndex;
    expect(parsed.manifests.map((m) => m.platform?.architecture)).toEqual(["amd64", "arm64"]);
    for (const [i, descriptor] of parsed.manifests.entries()) {
      const child = await src.fetchManifest(descriptor.digest);
      expect(child.digest).toBe(descriptor.digest);
      expect(child.bytes.equals(index.images[i]?.manifest as Buffer)).toBe(true);
      const manifest = JSON.parse(child.bytes.toString("utf8")) as ImageManifest;
      const config = JSON.parse((await readAll(await src.openBlob(manifest.config))).toString("utf8"));
      expect(config.architecture).toBe(descriptor.platform?.architecture);
    }
  });

  it("maps missing tags, repositories, digests and blobs to NotFoundError naming the image", async () => {
    const missingTag = source(registry, "team/app:nope");
    await expect(missingTag.fetchManifest()).rejects.toThrow(NotFoundError);
    await expect(missingTag.fetchManifest()).rejects.toThrow(
      new RegExp(`^${registry.host}/team/app:nope: manifest nope not found \\(HTTP 404.*MANIFEST_UNKNOWN`),
    );
    await expect(source(registry, "no/such-repo:1").fetchManifest()).rejects.toThrow(NotFoundError);

    const absent = sha256Digest(Buffer.from("absent"));
    await expect(source(registry, `team/app@${absent}`).fetchManifest()).rejects.toThrow(NotFoundError);
    const blob = source(registry, "team/app:1.0").openBlob({
      mediaType: MediaType.ociLayerGzip,
      digest: absent,
      size: 1,
    });
    await expect(blob).rejects.toThrow(NotFoundError);
    await expect(blob).rejects.toThrow(/blob sha256:[0-9a-f]{64} not found .*BLOB_UNKNOWN/);
  });

  it("never sends credentials to a registry that does not ask for them", async () => {
    let asked = 0;
    const src = source(registry, "team/app:1.0", {
      credentials: async () => {
        asked++;
        return { username: "x", password: "y" };
      },
    });
    await src.fetchManifest();
    expect(asked).toBe(0);
  });
});

describe("RegistrySource against an htpasswd registry", () => {
  let registry: TestRegistry;
  let pushed: PushedImage;

  beforeAll(async () => {
    registry = await startRegistry({ auth: "htpasswd" });
    pushed = await pushImage(registry, "secure/app", "1", await makeSmallImage("htpasswd"));
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it("pulls with the right credentials, asking the provider once per source", async () => {
    const hosts: string[] = [];
    const src = source(registry, "secure/app:1", {
      credentials: async (host) => {
        hosts.push(host);
        return { username: registry.username, password: registry.password };
      },
    });
    const manifest = await src.fetchManifest();
    expect(manifest.digest).toBe(pushed.manifestDigest);
    const parsed = JSON.parse(manifest.bytes.toString("utf8")) as ImageManifest;
    const layer = await readAll(await src.openBlob(parsed.layers[0] as Descriptor));
    expect(sha256Digest(layer)).toBe(pushed.layerDigests[0]);
    expect(hosts).toEqual([registry.host]);
  });

  it("rejects wrong or missing credentials with RegistryAuthError", async () => {
    const wrong = source(registry, "secure/app:1", {
      credentials: only({ username: registry.username, password: "bad" }),
    });
    await expect(wrong.fetchManifest()).rejects.toThrow(RegistryAuthError);
    await expect(wrong.fetchManifest()).rejects.toThrow(
      /access to manifest 1 denied \(HTTP 401.*UNAUTHORIZED/,
    );

    const none = source(registry, "secure/app:1");
    await expect(none.fetchManifest()).rejects.toThrow(RegistryAuthError);
    await expect(none.fetchManifest()).rejects.toThrow(/requires a username and password; none configured/);

    const identity = source(registry, "secure/app:1", { credentials: only({ identityToken: "x" }) });
    await expect(identity.fetchManifest()).rejects.toThrow(/cannot use the configured identity token/);
  });
});

describe("RegistrySource against a token-auth registry", () => {
  let registry: TestRegistry;
  let pushed: PushedImage;

  beforeAll(async () => {
    registry = await startRegistry({ auth: "token", identityTokens: { "refresh-abc": "portcullis" } });
    pushed = await pushImage(registry, "private/app", "1", await makeSmallImage("token"));
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it("pulls with credentials and reuses one pull-scoped token for manifest and blobs", async () => {
    const server = registry.tokenServer;
    if (!server) throw new Error("token server missing");
    const before = server.requests.length;
    const src = source(registry, "private/app:1", { credentials: credentialsOf(registry) });
    const manifest = await src.fetchManifest();
    expect(manifest.digest).toBe(pushed.manifestDigest);
    const parsed = JSON.parse(manifest.bytes.toString("utf8")) as ImageManifest;
    await readAll(await src.openBlob(parsed.config));
    await readAll(await src.openBlob(parsed.layers[0] as Descriptor));
    const requests = server.requests.slice(before);
    expect(requests).toEqual([
      {
        method: "GET",
        status: 200,
        grant: "basic",
        user: registry.username,
        scopes: ["repository:private/app:pull"],
      },
    ]);
  });

  it("shares a TokenAuth cache between sources", async () => {
    const server = registry.tokenServer;
    if (!server) throw new Error("token server missing");
    const tokenAuth = new TokenAuth();
    const before = server.requests.length;
    for (let i = 0; i < 2; i++) {
      await source(registry, "private/app:1", {
        credentials: credentialsOf(registry),
        tokenAuth,
      }).fetchManifest();
    }
    expect(server.requests.length - before).toBe(1);
  });

  it("uses an identity token through the OAuth2 refresh_token grant", async () => {
    const server = registry.tokenServer;
    if (!server) throw new Error("token server missing");
    const src = source(registry, "private/app:1", { credentials: only({ identityToken: "refresh-abc" }) });
    expect((await src.fetchManifest()).digest).toBe(pushed.manifestDigest);
    expect(server.requests.at(-1)).toMatchObject({ method: "POST", grant: "refresh_token", status: 200 });
  });

  it("maps an unknown repository to NotFoundError", async () => {
    const src = source(registry, "private/unknown:1", { credentials: credentialsOf(registry) });
    await expect(src.fetchManifest()).rejects.toThrow(NotFoundError);
    await expect(src.fetchManifest()).rejects.toThrow(/NAME_UNKNOWN|MANIFEST_UNKNOWN/);
  });

  it("maps wrong credentials and anonymous access to RegistryAuthError", async () => {
    const wrong = source(registry, "private/app:1", {
      credentials: only({ username: registry.username, password: "no" }),
    });
    await expect(wrong.fetchManifest()).rejects.toThrow(RegistryAuthError);
    await expect(wrong.fetchManifest()).rejects.toThrow(
      /token server .* rejected the credentials \(HTTP 401\)/,
    );

    // Anonymous tokens carry no access: the registry refuses them.
    const anonymous = source(registry, "private/app:1");
    await expect(anonymous.fetchManifest()).rejects.toThrow(RegistryAuthError);
    await expect(anonymous.fetchManifest()).rejects.toThrow(/denied .*no credentials configured/);

    const badIdentity = source(registry, "private/app:1", { credentials: only({ identityToken: "wrong" }) });
    await expect(badIdentity.fetchManifest()).rejects.toThrow(RegistryAuthError);
  });
});
