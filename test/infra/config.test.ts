import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "aws-cdk-lib";
import { describe, expect, it } from "vitest";
import { DEFAULT_PULL_ROLE_NAME_TEMPLATE, pullRoleName, readConfig } from "../../infra/config.js";

describe("readConfig", () => {
  it("reads context before the environment", () => {
    const app = new App({
      context: { "portcullis:account": "123456789012", "portcullis:alarmEmail": "a@b.c" },
    });
    const config = readConfig(app.node, {
      CDK_DEFAULT_ACCOUNT: "999999999999",
      CDK_DEFAULT_REGION: "us-east-2",
      PORTCULLIS_MEMBER_ACCOUNT_IDS: "111111111111, 222222222222",
    });
    expect(config).toEqual({
      account: "123456789012",
      region: "us-east-2",
      centralAccountId: "123456789012",
      memberAccountIds: ["111111111111", "222222222222"],
      organizationId: undefined,
      pullRoleNameTemplate: DEFAULT_PULL_ROLE_NAME_TEMPLATE,
      dbBucketNamePrefix: undefined,
      alarmEmail: "a@b.c",
      repositoryPolicies: undefined,
      notificationRules: [],
    });
  });

  it("defaults to an environment-agnostic config with no members", () => {
    const config = readConfig(new App().node, {});
    expect(config.account).toBeUndefined();
    expect(config.memberAccountIds).toEqual([]);
  });

  it("rejects a policy file that is not a valid policy configuration", async () => {
    const file = join(await mkdtemp(join(tmpdir(), "portcullis-config-")), "policies.yaml");
    await writeFile(file, "policies:\n  - repositories: [app]\n    failOn: SEVERE\n");
    expect(() => readConfig(new App().node, { PORTCULLIS_POLICY_FILE: file })).toThrow(/failOn/);
  });

  it("rejects a member account id that is not 12 digits", () => {
    const app = new App({ context: { "portcullis:memberAccountIds": "12345" } });
    expect(() => readConfig(app.node, {})).toThrow(/12-digit/);
  });

  it("reads the DB update rate and feed mirrors, and rejects bad ones", () => {
    const config = readConfig(new App().node, {
      PORTCULLIS_DB_UPDATE_RATE_HOURS: "12",
      PORTCULLIS_FEED_MIRRORS: "https://mirror.example/feeds, http://10.0.0.5/feeds",
      PORTCULLIS_FEED_MIRRORS_ONLY: "true",
    });
    expect(config).toMatchObject({
      dbUpdateRateHours: 12,
      feedMirrors: ["https://mirror.example/feeds", "http://10.0.0.5/feeds"],
      feedMirrorsOnly: true,
    });
    expect(readConfig(new App().node, {}).dbUpdateRateHours).toBeUndefined();
    expect(() => readConfig(new App().node, { PORTCULLIS_DB_UPDATE_RATE_HOURS: "0.5" })).toThrow(/hours/);
    expect(() => readConfig(new App().node, { PORTCULLIS_FEED_MIRRORS: "ftp://x" })).toThrow(/http/);
    expect(() => readConfig(new App().node, { PORTCULLIS_FEED_MIRRORS_ONLY: "true" })).toThrow(/feedMirrors/);
  });

  it("substitutes the account id into the pull role name template", () => {
    const config = readConfig(new App().node, { PORTCULLIS_PULL_ROLE_NAME_TEMPLATE: "pull-{account}" });
    expect(pullRoleName(config, "111111111111")).toBe("pull-111111111111");
  });
});
