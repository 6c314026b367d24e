import { describe, expect, it } from "vitest";
import { parseWwwAuthenticate, pickChallenge } from "../../../lib/image/registry/www-authenticate.js";

describe("parseWwwAuthenticate", () => {
  it("parses a distribution Bearer challenge", () => {
    const header =
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"';
    expect(parseWwwAuthenticate(header)).toEqual([
      {
        scheme: "bearer",
        params: {
          realm: "https://auth.docker.io/token",
          service: "registry.docker.io",
          scope: "repository:library/alpine:pull",
        },
      },
    ]);
  });

  it("keeps commas and escaped quotes inside quoted values", () => {
    const header =
      'Bearer realm="https://r.example/token",scope="repository:a:pull,push repository:b:pull",error="say \\"hi\\""';
    const [challenge] = parseWwwAuthenticate(header);
    expect(challenge?.params.scope).toBe("repository:a:pull,push repository:b:pull");
    expect(challenge?.params.error).toBe('say "hi"');
  });

  it("accepts unquoted values, spaces around '=' and mixed-case names", () => {
    expect(parseWwwAuthenticate("BASIC Realm = registry , charset=UTF-8")).toEqual([
      { scheme: "basic", params: { realm: "registry", charset: "UTF-8" } },
    ]);
  });

  it("splits several challenges in one header", () => {
    const challenges = parseWwwAuthenticate('Basic realm="b", Bearer realm="https://t/token",service="s"');
    expect(challenges.map((c) => c.scheme)).toEqual(["basic", "bearer"]);
    expect(challenges[1]?.params).toEqual({ realm: "https://t/token", service: "s" });
    expect(pickChallenge(challenges)?.scheme).toBe("bearer");
  });

  it("handles a scheme without parameters and empty input", () => {
    expect(parseWwwAuthenticate("Negotiate, Basic")).toEqual([
      { scheme: "negotiate", params: {} },
      { scheme: "basic", params: {} },
    ]);
    expect(parseWwwAuthenticate("")).toEqual([]);
    expect(parseWwwAuthenticate(null)).toEqual([]);
    expect(pickChallenge(parseWwwAuthenticate("Negotiate"))).toBeUndefined();
  });

  it("survives malformed headers without looping", () => {
    expect(parseWwwAuthenticate('Bearer realm="unterminated')[0]?.params.realm).toBe("unterminated");
    expect(() => parseWwwAuthenticate('=,,"x" Bearer =a, ,')).not.toThrow();
  });
});
