import type { GetAuthorizationTokenCommand, GetAuthorizationTokenCommandOutput } from "@aws-sdk/client-ecr";
import type { AssumeRoleCommand, AssumeRoleCommandOutput } from "@aws-sdk/client-sts";
import { describe, expect, it } from "vitest";
import { EcrCredentials, parseEcrHost } from "../../../lib/aws/ecr-credentials.js";
import { AssumeRoleCredentials, type AwsCredentialsProvider } from "../../../lib/aws/sts-assume-role.js";
import { RegistryAuthError } from "../../../lib/errors.js";
import { chainCredentials, staticCredentials } from "../../../lib/image/registry/credentials.js";

const HOST = "123456789012.dkr.ecr.us-west-2.amazonaws.com";
const MEMBER = "210987654321.dkr.ecr.eu-west-1.amazonaws.com";
const HOUR = 3_600_000;

/** Stands in for ECRClient: GetAuthorizationToken's documented response, 12-hour tokens. */
function ecrStandIn(clock: { now: number }, options: { fail?: Error } = {}) {
  let calls = 0;
  const created: Array<{ region: string; credentials?: AwsCredentialsProvider }> = [];
  const createClient = (region: string, credentials?: AwsCredentialsProvider) => {
    created.push({ region, ...(credentials ? { credentials } : {}) });
    return {
      async send(_command: GetAuthorizationTokenCommand): Promise<GetAuthorizationTokenCommandOutput> {
        calls++;
        if (options.fail) throw options.fail;
        return {
          $metadata: { httpStatusCode: 200 },
          authorizationData: [
            {
              authorizationToken: Buffer.from(`AWS:password-${calls}`).toString("base64"),
              expiresAt: new Date(clock.now + 12 * HOUR),
              proxyEndpoint: `https://${region}.example`,
            },
          ],
        };
      },
    };
  };
  return { createClient, created, calls: () => calls };
}

describe("EcrCredentials", () => {
  it("parses ECR hosts and ignores others", async () => {
    expect(parseEcrHost(HOST)).toEqual({ account: "123456789012", region: "us-west-2" });
    expect(parseEcrHost("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn")?.region).toBe("cn-north-1");
    expect(parseEcrHost("docker.io")).toBeUndefined();
    const clock = { now: 0 };
    const ecr = ecrStandIn(clock);
    const creds = new EcrCredentials({ createClient: ecr.createClient, now: () => clock.now });
    expect(await creds.provider()("ghcr.io")).toBeUndefined();
    expect(ecr.calls()).toBe(0);
  });

  it("decodes the token, caches it, and refreshes 5 minutes before expiresAt", async () => {
    const clock = { now: Date.parse("2026-01-01T00:00:00Z") };
    const ecr = ecrStandIn(clock);
    const provider = new EcrCredentials({ createClient: ecr.createClient, now: () => clock.now }).provider();
    const [a, b] = await Promise.all([provider(HOST), provider(HOST)]);
    expect(a).toEqual({ username: "AWS", password: "password-1" });
    expect(b).toEqual(a);
    clock.now += 11 * HOUR + 54 * 60_000;
    expect(await provider(HOST)).toEqual({ username: "AWS", password: "password-1" });
    expect(ecr.calls()).toBe(1);
    clock.now += 2 * 60_000; // 4 minutes before expiry: inside the margin
    expect(await provider(HOST)).toEqual({ username: "AWS", password: "password-2" });
    expect(ecr.calls()).toBe(2);
    expect(ecr.created).toEqual([{ region: "us-west-2" }]);
  });

  it("turns an ECR error into a RegistryAuthError naming the host, and does not cache it", async () => {
    const clock = { now: 0 };
    const denied = Object.assign(new Error("User is not authorized to perform ecr:GetAuthorizationToken"), {
      name: "AccessDeniedException",
    });
    const ecr = ecrStandIn(clock, { fail: denied });
    const provider = new EcrCredentials({ createClient: ecr.createClient }).provider();
    const err = await provider(HOST).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryAuthError);
    expect((err as Error).message).toBe(
      `ECR GetAuthorizationToken for ${HOST} failed: AccessDeniedException: User is not authorized to perform ecr:GetAuthorizationToken`,
    );
    expect((err as Error).cause).toBe(denied);
    await expect(provider(HOST)).rejects.toThrow(RegistryAuthError);
    expect(ecr.calls()).toBe(2);
  });

  it("rejects a token that is not user:password", async () => {
    const creds = new EcrCredentials({
      createClient: () => ({
        send: async () => ({
          $metadata: {},
          authorizationData: [{ authorizationToken: Buffer.from("garbage").toString("base64") }],
        }),
      }),
    });
    await expect(creds.provider()(HOST)).rejects.toThrow(/not "user:password"/);
  });

  it("pulls from a member account with an assumed role (ExternalId), both cached", async () => {
    const clock = { now: Date.parse("2026-01-01T00:00:00Z") };
    const stsCalls: AssumeRoleCommand["input"][] = [];
    const sts = new AssumeRoleCredentials({
      client: {
        async send(command: AssumeRoleCommand): Promise<AssumeRoleCommandOutput> {
          stsCalls.push(command.input);
          return {
            $metadata: {},
            Credentials: {
              AccessKeyId: `ASIA${stsCalls.length}`,
              SecretAccessKey: "secret",
              SessionToken: "session",
              Expiration: new Date(clock.now + HOUR),
            },
          };
        },
      },
      externalId: "portcullis-ext",
      now: () => clock.now,
    });
    const ecr = ecrStandIn(clock);
    const creds = new EcrCredentials({
      createClient: ecr.createClient,
      assumeRole: (role) => sts.provider(role),
      now: () => clock.now,
    });
    const role = "arn:aws:iam::210987654321:role/PortcullisPull";
    expect(await creds.provider(role)(MEMBER)).toEqual({ username: "AWS", password: "password-1" });
    expect(await creds.provider(role)(MEMBER)).toEqual({ username: "AWS", password: "password-1" });
    expect(ecr.created).toHaveLength(1);
    expect(ecr.created[0]?.region).toBe("eu-west-1");
    // The SDK calls the provider for each request: it must answer from cache until near expiry.
    const provider = ecr.created[0]?.credentials as AwsCredentialsProvider;
    expect((await provider()).accessKeyId).toBe("ASIA1");
    expect((await provider()).accessKeyId).toBe("ASIA1");
    expect(stsCalls).toEqual([
      {
        RoleArn: role,
        RoleSessionName: "portcullis-scan",
        DurationSeconds: 3600,
        ExternalId: "portcullis-ext",
      },
    ]);
    clock.now += 56 * 60_000;
    expect((await provider()).accessKeyId).toBe("ASIA2");
  });

  it("wraps an AssumeRole failure with the role", async () => {
    const sts = new AssumeRoleCredentials({
      client: {
        send: async () => {
          throw Object.assign(new Error("not authorized to perform sts:AssumeRole"), {
            name: "AccessDenied",
          });
        },
      },
    });
    await expect(sts.credentials("arn:aws:iam::1:role/x")).rejects.toThrow(
      "cannot assume arn:aws:iam::1:role/x: AccessDenied: not authorized to perform sts:AssumeRole",
    );
  });

  it("refuses a role without an assumer, and chains with other providers", async () => {
    const creds = new EcrCredentials({ createClient: ecrStandIn({ now: 0 }).createClient });
    await expect(creds.provider("arn:aws:iam::1:role/x")(MEMBER)).rejects.toThrow(RegistryAuthError);
    const chained = chainCredentials(creds.provider(), staticCredentials({ username: "u", password: "p" }));
    expect(await chained("ghcr.io")).toEqual({ username: "u", password: "p" });
  });
});
