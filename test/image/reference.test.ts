import { describe, expect, it } from "vitest";
import { InvalidReferenceError } from "../../lib/errors.js";
import { isDigest, parseReference, registryApiHost } from "../../lib/image/reference.js";

const SHA256 = `sha256:${"a".repeat(64)}`;
const SHA512 = `sha512:${"0123456789abcdef".repeat(8)}`;

describe("parseReference", () => {
  it.each([
    ["alpine", "docker.io", "library/alpine", "latest", undefined],
    ["alpine:3.20", "docker.io", "library/alpine", "3.20", undefined],
    ["library/alpine", "docker.io", "library/alpine", "latest", undefined],
    ["docker.io/alpine", "docker.io", "library/alpine", "latest", undefined],
    ["docker.io/library/alpine:edge", "docker.io", "library/alpine", "edge", undefined],
    ["index.docker.io/bitnami/redis:7", "docker.io", "bitnami/redis", "7", undefined],
    ["registry-1.docker.io/ubuntu", "docker.io", "library/ubuntu", "latest", undefined],
    ["bitnami/redis", "docker.io", "bitnami/redis", "latest", undefined],
    ["localhost:5000/app:1", "localhost:5000", "app", "1", undefined],
    ["localhost/app", "localhost", "app", "latest", undefined],
    ["127.0.0.1:5000/team/app", "127.0.0.1:5000", "team/app", "latest", undefined],
    ["[::1]:5000/app:v2", "[::1]:5000", "app", "v2", undefined],
    ["ghcr.io/org/sub/app:1.2.3-rc_1", "ghcr.io", "org/sub/app", "1.2.3-rc_1", undefined],
    [`host.example/ns/app@${SHA256}`, "host.example", "ns/app", undefined, SHA256],
    // Like the docker CLI: a first component without "." or ":" (and not "localhost") is a Hub namespace.
    [`host/ns/app@${SHA256}`, "docker.io", "host/ns/app", undefined, SHA256],
    [`quay.io/ns/app:1.0@${SHA256}`, "quay.io", "ns/app", "1.0", SHA256],
    [`alpine@${SHA512}`, "docker.io", "library/alpine", undefined, SHA512],
    ["a.b-c.example.com:443/x__y/z-w.v:t", "a.b-c.example.com:443", "x__y/z-w.v", "t", undefined],
    [
      "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:latest",
      "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
      "app",
      "latest",
      undefined,
    ],
  ])("%s", (input, registry, repository, tag, digest) => {
    const ref = parseReference(input);
    expect(ref.registry).toBe(registry);
    expect(ref.repository).toBe(repository);
    expect(ref.tag).toBe(tag);
    expect(ref.digest).toBe(digest);
  });

  it("prints the fully qualified form", () => {
    expect(parseReference("alpine").toString()).toBe("docker.io/library/alpine:latest");
    expect(parseReference(`localhost:5000/app:1@${SHA256}`).toString()).toBe(
      `localhost:5000/app:1@${SHA256}`,
    );
    expect(parseReference(`ghcr.io/a/b@${SHA256}`).toString()).toBe(`ghcr.io/a/b@${SHA256}`);
    expect(String(parseReference("ghcr.io/a/b:1"))).toBe("ghcr.io/a/b:1");
  });

  it.each([
    ["", "empty"],
    ["   ", "empty"],
    ["Alpine", "lowercase"],
    ["ghcr.io/Org/app", "lowercase"],
    ["docker.io/Library/alpine", "lowercase"],
    ["app:", "tag"],
    ["app:-bad", "tag"],
    [`app:${"t".repeat(129)}`, "tag"],
    ["app@sha256:abc", "digest"],
    [`app@sha256:${"A".repeat(64)}`, "digest"],
    [`app@md5:${"a".repeat(32)}`, "digest"],
    [`app@sha512:${"a".repeat(64)}`, "digest"],
    ["app@", "digest"],
    ["https://ghcr.io/a/b", "scheme"],
    ["ghcr.io/", "empty"],
    ["ghcr.io//app", "not valid"],
    ["ghcr.io/app/", "not valid"],
    ["ghcr.io/-app", "not valid"],
    ["ghcr.io/app-", "not valid"],
    ["ghcr.io/a..b", "not valid"],
    ["ghcr.io/a___b", "not valid"],
    ["bad_host.io:x/app", "registry"],
    ["-bad.io/app", "registry"],
    [`ghcr.io/${"a".repeat(250)}`, "255"],
  ])("rejects %j (%s)", (input, why) => {
    expect(() => parseReference(input)).toThrow(InvalidReferenceError);
    expect(() => parseReference(input)).toThrow(new RegExp(why, "i"));
  });

  it("maps docker.io to its API host and leaves others alone", () => {
    expect(registryApiHost("docker.io")).toBe("registry-1.docker.io");
    expect(registryApiHost("localhost:5000")).toBe("localhost:5000");
  });

  it("validates digests", () => {
    expect(isDigest(SHA256)).toBe(true);
    expect(isDigest(SHA512)).toBe(true);
    expect(isDigest(`sha256:${"a".repeat(63)}`)).toBe(false);
    expect(isDigest(`sha256:${"a".repeat(64)}/../x`)).toBe(false);
  });
});
