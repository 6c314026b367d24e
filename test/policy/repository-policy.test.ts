import { describe, expect, it } from "vitest";
import { matchGlob } from "../../lib/policy/glob.js";
import { PolicyError } from "../../lib/policy/policy-error.js";
import { parseRepositoryPolicies, policyForRepository } from "../../lib/policy/repository-policy.js";

const ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";

const config = parseRepositoryPolicies({
  policies: [
    { repositories: [`${ECR}/team/*`], failOn: "high", ignoreUnfixed: true },
    {
      repositories: ["**/legacy-*"],
      failOn: "CRITICAL",
      severities: ["CRITICAL", "HIGH"],
      ignore: [{ id: "CVE-2023-42363", reason: "legacy base image", expires: "2024-12-31" }],
    },
    { repositories: [`${ECR}/team/**`], failOn: "LOW" },
  ],
  default: { failOn: "CRITICAL" },
});

describe("policyForRepository", () => {
  it("lets `*` match one path segment only", () => {
    expect(policyForRepository(config, `${ECR}/team/payments-api`)).toEqual({
      failOn: "HIGH",
      ignoreUnfixed: true,
    });
    expect(policyForRepository(config, `${ECR}/team/jobs/nightly`)).toEqual({ failOn: "LOW" });
  });

  it("lets `**` cross segments and match none, and the first matching entry wins", () => {
    expect(policyForRepository(config, `${ECR}/ops/legacy-billing`)).toEqual({
      failOn: "CRITICAL",
      severities: ["CRITICAL", "HIGH"],
      ignores: [
        {
          id: "CVE-2023-42363",
          reason: "legacy base image",
          expires: "2024-12-31",
          origin: "policies[1]",
          source: "repository-policy",
        },
      ],
    });
    expect(policyForRepository(config, "legacy-app").failOn).toBe("CRITICAL");
    // Listed under team/* as well as **/legacy-*: the earlier entry decides.
    expect(policyForRepository(config, `${ECR}/team/legacy-api`)).toEqual({
      failOn: "HIGH",
      ignoreUnfixed: true,
    });
  });

  it("falls back to the default, or to no policy at all", () => {
    expect(policyForRepository(config, "docker.io/library/alpine")).toEqual({ failOn: "CRITICAL" });
    expect(policyForRepository(parseRepositoryPolicies({}), "docker.io/library/alpine")).toEqual({});
    expect(policyForRepository(parseRepositoryPolicies(undefined), "x")).toEqual({});
  });
});

describe("parseRepositoryPolicies", () => {
  const fails = (input: unknown) => {
    try {
      parseRepositoryPolicies(input, "portcullis.config.yaml");
    } catch (err) {
      expect(err).toBeInstanceOf(PolicyError);
      return (err as Error).message;
    }
    throw new Error("expected parseRepositoryPolicies to throw");
  };

  it("names the file and the field at fault", () => {
    expect(fails({ policies: [{ repositories: ["a/*"], failOn: "SEVERE" }] })).toMatch(
      /^portcullis\.config\.yaml: policies\[0\]\.failOn: /,
    );
    expect(fails({ policies: [{ repositories: [], failOn: "HIGH" }] })).toContain("policies[0].repositories");
    expect(fails({ policies: [{ repositories: ["a/*"], failon: "HIGH" }] })).toContain("failon");
    expect(fails({ default: { ignore: [{ id: "CVE-1", expires: "2024-13-01" }] } })).toContain(
      "default.ignore[0].expires",
    );
  });
});

describe("matchGlob", () => {
  it.each([
    ["team/*", "team/api", true],
    ["team/*", "team/api/v2", false],
    ["team/**", "team/api/v2", true],
    ["**/legacy-*", "legacy-x", true],
    ["**/legacy-*", "a/b/legacy-x", true],
    ["**/legacy-*", "a/b/not-legacy-x", false],
    ["usr/lib/*.so.?", "usr/lib/libz.so.1", true],
    ["a.b/*", "aXb/c", false],
  ])("%s against %s is %s", (pattern, value, expected) => {
    expect(matchGlob(pattern, value)).toBe(expected);
  });
});
