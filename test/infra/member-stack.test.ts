import { App, Aspects, type Stack } from "aws-cdk-lib";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import type { Role } from "aws-cdk-lib/aws-iam";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { beforeAll, describe, expect, it } from "vitest";
import { SCANNER_ROLES, scannerRoleArns, scannerRoleName } from "../../infra/central-roles.js";
import { readConfig } from "../../infra/config.js";
import { buildMemberApp, readMemberConfig } from "../../infra/member-app.js";
import { MemberAccountStack, PULL_ROLE_REPOSITORY_ACTIONS } from "../../infra/stacks/member-stack.js";
import { ECR_EVENT_PATTERN } from "../../infra/stacks/stateless-stack.js";
import {
  actionsOf,
  logicalId,
  ORG_ID,
  PULL_EXTERNAL_ID,
  roleStatements,
  type Statement,
  type SynthesizedApp,
  synthApp,
} from "./synth-app.js";

const CENTRAL_ACCOUNT = "123456789012";
const CENTRAL_REGION = "eu-west-1";
const MEMBER_ACCOUNT = "111111111111";

interface Synthesized {
  readonly stack: MemberAccountStack;
  readonly template: Template;
}

const MEMBER_ENV = { account: MEMBER_ACCOUNT, region: "us-east-1" };

/** A member stack with cdk-nag, for a member account (or environment-agnostic with `null`, as in a StackSet). */
function synthMember(
  options: { organizationId?: string; pullExternalId?: string; pullRoleNameTemplate?: string } = {},
  env: typeof MEMBER_ENV | null = MEMBER_ENV,
): Synthesized {
  const app = new App();
  const stack = new MemberAccountStack(app, "Member", {
    ...(env ? { env } : {}),
    centralAccountId: CENTRAL_ACCOUNT,
    centralRegion: CENTRAL_REGION,
    ...options,
  });
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  app.synth();
  return { stack, template: Template.fromStack(stack) };
}

function pullRoleOf(stack: MemberAccountStack): Role {
  if (!stack.pullRole) throw new Error("the stack has no pull role");
  return stack.pullRole;
}

let full: Synthesized;
let bare: Synthesized;

beforeAll(() => {
  full = synthMember({ organizationId: ORG_ID, pullExternalId: PULL_EXTERNAL_ID });
  bare = synthMember();
});

const resolve = (stack: Stack, value: unknown): unknown => stack.resolve(value);

function trustStatements({ stack, template }: Synthesized): Statement[] {
  const role = template.findResources("AWS::IAM::Role")[logicalId(pullRoleOf(stack))];
  return role?.Properties.AssumeRolePolicyDocument.Statement as Statement[];
}

function pullRolePolicy({ stack, template }: Synthesized): Statement[] {
  const role = template.findResources("AWS::IAM::Role")[logicalId(pullRoleOf(stack))];
  const inline = (role?.Properties.Policies ?? []) as Array<{ PolicyDocument: { Statement: Statement[] } }>;
  return [
    ...inline.flatMap((policy) => policy.PolicyDocument.Statement),
    ...roleStatements(template, pullRoleOf(stack)),
  ];
}

describe("event forwarding", () => {
  it("forwards ECR image and replication actions from the default bus to the central bus", () => {
    const { stack, template } = full;
    const rules = template.findResources("AWS::Events::Rule");
    expect(Object.keys(rules)).toHaveLength(1);
    const rule = rules[logicalId(stack.forwardRule)];
    expect(rule?.Properties.EventBusName).toBeUndefined();
    expect(rule?.Properties.EventPattern).toEqual({
      source: ECR_EVENT_PATTERN.source,
      "detail-type": ECR_EVENT_PATTERN.detailType,
    });
    expect(rule?.Properties.EventPattern.source).toEqual(["aws.ecr"]);
    const targets = rule?.Properties.Targets as Array<{ Arn: unknown; RoleArn: unknown }>;
    expect(targets).toHaveLength(1);
    expect(targets[0]?.Arn).toEqual(
      resolve(
        stack,
        `arn:${stack.partition}:events:${CENTRAL_REGION}:${CENTRAL_ACCOUNT}:event-bus/portcullis`,
      ),
    );
    expect(targets[0]?.RoleArn).toEqual({ "Fn::GetAtt": [logicalId(stack.forwardRole), "Arn"] });
  });

  it("lets the forwarding role only put events on the central bus", () => {
    const { stack, template } = full;
    const statements = roleStatements(template, stack.forwardRole);
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      expect(statement.Effect).toBe("Allow");
      expect(actionsOf(statement)).toEqual(["events:PutEvents"]);
      expect(statement.Resource).toEqual(resolve(stack, stack.centralBusArn));
    }
    const role = template.findResources("AWS::IAM::Role")[logicalId(stack.forwardRole)];
    expect(role?.Properties.Policies).toBeUndefined();
    expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
    // Only EventBridge, and only on behalf of rules of this account.
    expect(role?.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: "sts:AssumeRole",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Condition: { StringEquals: { "aws:SourceAccount": MEMBER_ACCOUNT } },
      },
    ]);
  });
});

describe("pull role", () => {
  it("is named from the template and lasts at most an hour per session", () => {
    const { stack, template } = full;
    const role = template.findResources("AWS::IAM::Role")[logicalId(pullRoleOf(stack))];
    expect(role?.Properties.RoleName).toBe("portcullis-ecr-pull");
    expect(role?.Properties.MaxSessionDuration).toBe(3600);
  });

  it("trusts exactly the central scanner roles, with the external id and organization", () => {
    const { stack } = full;
    const trust = trustStatements(full);
    expect(trust).toHaveLength(1);
    expect(trust[0]).toEqual({
      Action: "sts:AssumeRole",
      Effect: "Allow",
      Principal: { AWS: resolve(stack, `arn:${stack.partition}:iam::${CENTRAL_ACCOUNT}:root`) },
      Condition: {
        ArnEquals: {
          "aws:PrincipalArn": resolve(
            stack,
            SCANNER_ROLES.map(
              (role) =>
                `arn:${stack.partition}:iam::${CENTRAL_ACCOUNT}:role/portcullis-${role}-${CENTRAL_REGION}`,
            ),
          ),
        },
        StringEquals: { "sts:ExternalId": PULL_EXTERNAL_ID, "aws:PrincipalOrgID": ORG_ID },
      },
    });
  });

  it("has no external id or organization condition when none is configured", () => {
    const trust = trustStatements(bare);
    expect(trust).toHaveLength(1);
    expect(Object.keys(trust[0]?.Condition ?? {})).toEqual(["ArnEquals"]);
    expect(JSON.stringify(trust)).not.toMatch(/ExternalId|PrincipalOrgID/);
  });

  it("carries only one of the conditions when only one is configured", () => {
    const onlyOrg = trustStatements(synthMember({ organizationId: ORG_ID }))[0]?.Condition;
    expect(onlyOrg?.StringEquals).toEqual({ "aws:PrincipalOrgID": ORG_ID });
    const onlyExternal = trustStatements(synthMember({ pullExternalId: PULL_EXTERNAL_ID }))[0]?.Condition;
    expect(onlyExternal?.StringEquals).toEqual({ "sts:ExternalId": PULL_EXTERNAL_ID });
  });

  it("allows read-only ECR actions, on this account's repositories", () => {
    const { stack } = full;
    const statements = pullRolePolicy(full);
    const actions = statements.flatMap(actionsOf);
    expect(actions.sort()).toEqual(["ecr:GetAuthorizationToken", ...PULL_ROLE_REPOSITORY_ACTIONS].sort());
    for (const action of actions) {
      expect(action).toMatch(/^ecr:(Get|BatchGet|Describe|BatchCheck)/);
      expect(action).not.toMatch(/^ecr:(Put|Delete|Upload|Initiate|Complete|Create|Set|Tag|Untag|Replicate)/);
      expect(action).not.toContain("*");
    }
    for (const statement of statements) expect(statement.Effect).toBe("Allow");
    const token = statements.find((s) => actionsOf(s).includes("ecr:GetAuthorizationToken"));
    expect(actionsOf(token as Statement)).toEqual(["ecr:GetAuthorizationToken"]);
    expect(token?.Resource).toBe("*");
    const pull = statements.find((s) => actionsOf(s).includes("ecr:BatchGetImage"));
    expect(pull?.Resource).toEqual(
      resolve(stack, `arn:${stack.partition}:ecr:*:${MEMBER_ACCOUNT}:repository/*`),
    );
  });

  it("fills {account} of the name template with the stack's own account", () => {
    const named = synthMember({ pullRoleNameTemplate: "pull-{account}" });
    const role = named.template.findResources("AWS::IAM::Role")[logicalId(pullRoleOf(named.stack))];
    expect(role?.Properties.RoleName).toBe(`pull-${MEMBER_ACCOUNT}`);
    const agnostic = synthMember({ pullRoleNameTemplate: "pull-{account}" }, null);
    const agnosticRole =
      agnostic.template.findResources("AWS::IAM::Role")[logicalId(pullRoleOf(agnostic.stack))];
    expect(agnosticRole?.Properties.RoleName).toEqual({
      "Fn::Join": ["", ["pull-", { Ref: "AWS::AccountId" }]],
    });
  });
});

describe("forwarder-only regions", () => {
  it("leaves the account-global pull role out, keeping the forwarding rule", () => {
    const app = new App();
    const stack = new MemberAccountStack(app, "MemberOtherRegion", {
      centralAccountId: CENTRAL_ACCOUNT,
      centralRegion: CENTRAL_REGION,
      createPullRole: false,
    });
    Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
    const template = Template.fromStack(stack);
    expect(stack.pullRole).toBeUndefined();
    template.resourceCountIs("AWS::Events::Rule", 1);
    template.resourceCountIs("AWS::IAM::Role", 1);
    expect(JSON.stringify(template.toJSON())).not.toContain("ecr:");
    expect(Annotations.fromStack(stack).findWarning("*", Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(stack).findError("*", Match.anyValue())).toEqual([]);
    expect(
      readMemberConfig(new App({ context: { "portcullis:createPullRole": "false" } }), {
        PORTCULLIS_CENTRAL_ACCOUNT_ID: CENTRAL_ACCOUNT,
        PORTCULLIS_CENTRAL_REGION: CENTRAL_REGION,
      }).createPullRole,
    ).toBe(false);
  });
});

describe("cdk-nag AwsSolutions on the member stack", () => {
  it("reports no unsuppressed errors or warnings", () => {
    for (const { stack } of [full, bare]) {
      const annotations = Annotations.fromStack(stack);
      const found = [
        ...annotations.findError("*", Match.anyValue()),
        ...annotations.findWarning("*", Match.anyValue()),
      ];
      expect(found.map((entry) => `${entry.id}: ${String(entry.entry.data)}`)).toEqual([]);
    }
  });

  it("suppresses only the ECR wildcards of the pull role, with reasons", () => {
    const resources = full.template.toJSON().Resources as Record<
      string,
      { Metadata?: { cdk_nag?: { rules_to_suppress?: Array<{ id: string; reason: string }> } } }
    >;
    const suppressed = Object.entries(resources).flatMap(([resourceId, resource]) =>
      (resource.Metadata?.cdk_nag?.rules_to_suppress ?? []).map((rule) => ({ resourceId, ...rule })),
    );
    expect(suppressed.map((s) => s.resourceId)).toEqual([
      logicalId(pullRoleOf(full.stack)),
      logicalId(pullRoleOf(full.stack)),
    ]);
    for (const rule of suppressed) {
      expect(rule.id).toBe("AwsSolutions-IAM5");
      expect(rule.reason.length).toBeGreaterThan(30);
    }
  });
});

describe("member app (StackSet template)", () => {
  const context = {
    "portcullis:centralAccountId": CENTRAL_ACCOUNT,
    "portcullis:centralRegion": CENTRAL_REGION,
    "portcullis:organizationId": ORG_ID,
    "portcullis:pullExternalId": PULL_EXTERNAL_ID,
  };

  it("synthesizes environment-agnostic, without bootstrap parameters, and nag-clean", () => {
    const app = new App({ context });
    // CDK_DEFAULT_ACCOUNT is the member's own account when deploying per account: never the central one.
    const stack = buildMemberApp(app, { CDK_DEFAULT_ACCOUNT: MEMBER_ACCOUNT });
    const assembly = app.synth();
    const artifact = assembly.getStackByName(stack.stackName);
    expect(artifact.environment.account).toBe("unknown-account");
    expect(artifact.environment.region).toBe("unknown-region");
    const template = artifact.template as {
      Parameters?: Record<string, unknown>;
      Rules?: Record<string, unknown>;
    };
    expect(Object.keys(template.Parameters ?? {})).toEqual([]);
    expect(Object.keys(template.Rules ?? {})).toEqual([]);
    expect(artifact.assets).toEqual([]);
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findError("*", Match.anyValue())).toEqual([]);
    expect(annotations.findWarning("*", Match.anyValue())).toEqual([]);
    const trust = Template.fromStack(stack).findResources("AWS::IAM::Role")[logicalId(pullRoleOf(stack))];
    expect(trust?.Properties.AssumeRolePolicyDocument.Statement[0].Condition.StringEquals).toEqual({
      "sts:ExternalId": PULL_EXTERNAL_ID,
      "aws:PrincipalOrgID": ORG_ID,
    });
  });

  it("reads the central side from context, then from the environment", () => {
    expect(
      readMemberConfig(new App(), {
        PORTCULLIS_CENTRAL_ACCOUNT_ID: CENTRAL_ACCOUNT,
        PORTCULLIS_CENTRAL_REGION: "us-east-2",
      }),
    ).toEqual({
      centralAccountId: CENTRAL_ACCOUNT,
      centralRegion: "us-east-2",
      pullRoleNameTemplate: "portcullis-ecr-pull",
    });
    expect(readMemberConfig(new App({ context }), {})).toMatchObject({
      organizationId: ORG_ID,
      pullExternalId: PULL_EXTERNAL_ID,
    });
  });

  it("refuses a missing or malformed central account, region, organization or external id", () => {
    expect(() => readMemberConfig(new App(), { CDK_DEFAULT_ACCOUNT: MEMBER_ACCOUNT })).toThrow(
      /centralAccountId/,
    );
    const bad = (extra: Record<string, string>) => () =>
      readMemberConfig(new App({ context: { ...context, ...extra } }), {});
    expect(bad({ "portcullis:centralAccountId": "12345" })).toThrow(/12-digit/);
    expect(bad({ "portcullis:centralRegion": "Ireland" })).toThrow(/region/);
    expect(bad({ "portcullis:organizationId": "org-1" })).toThrow(/organization/);
    expect(bad({ "portcullis:pullExternalId": "has spaces in it" })).toThrow(/ExternalId/);
  });
});

describe("central side of cross-account", () => {
  let central: SynthesizedApp;

  beforeAll(() => {
    central = synthApp();
  });

  it("names the scanner roles the way the member stack trusts them", () => {
    const { stateless, statelessTemplate } = central;
    const roles = statelessTemplate.findResources("AWS::IAM::Role");
    const nameOf = (role: IConstruct) => roles[logicalId(role)]?.Properties.RoleName as string;
    const centralNames = [
      nameOf(stateless.worker.role),
      nameOf(stateless.rescan.planner.role),
      nameOf(stateless.inventorySync.function.role),
    ];
    expect(centralNames).toEqual(SCANNER_ROLES.map((role) => scannerRoleName(role, CENTRAL_REGION)));
    for (const name of centralNames) expect(name.length).toBeLessThanOrEqual(64);

    // A member configured with the central account and region trusts exactly those roles.
    const member = synthMember();
    const trusted = trustStatements(member)[0]?.Condition?.ArnEquals as Record<string, unknown>;
    expect(trusted["aws:PrincipalArn"]).toEqual(
      resolve(
        member.stack,
        centralNames.map((name) => `arn:${member.stack.partition}:iam::${stateless.account}:role/${name}`),
      ),
    );
    expect(stateless.account).toBe(CENTRAL_ACCOUNT);
    expect(stateless.region).toBe(CENTRAL_REGION);
  });

  it("lets the scanner roles assume the member pull roles the member stack creates", () => {
    const { stateless, statelessTemplate } = central;
    const config = readConfig(central.app.node, {});
    for (const role of [stateless.worker.role, stateless.rescan.planner.role]) {
      const assume = roleStatements(statelessTemplate, role).filter((s) =>
        actionsOf(s).includes("sts:AssumeRole"),
      );
      expect(JSON.stringify(assume)).toContain(`role/${config.pullRoleNameTemplate}`);
    }
  });

  it("limits the bus's organization statement to the organization id; members keep their own", () => {
    const { stateless, statelessTemplate } = central;
    const policies = Object.values(statelessTemplate.findResources("AWS::Events::EventBusPolicy"));
    const statements = policies.map(
      (policy) => policy.Properties.Statement as Statement & { Principal: unknown },
    );
    const org = statements.find((s) => s.Sid?.endsWith("AllowOrganization"));
    expect(org?.Condition).toEqual({ StringEquals: { "aws:PrincipalOrgID": ORG_ID } });
    expect(actionsOf(org as Statement)).toEqual(["events:PutEvents"]);
    expect(org?.Resource).toEqual({ "Fn::GetAtt": [logicalId(stateless.bus), "Arn"] });
    // Every other statement names one member account as the principal.
    for (const statement of statements.filter((s) => !s.Sid?.endsWith("AllowOrganization"))) {
      expect(statement.Sid).toMatch(/AllowMember\d{12}$/);
      expect(statement.Condition).toBeUndefined();
    }
  });

  it("passes the external id to the worker, the rescan planner and the inventory sync", () => {
    const { stateless, statelessTemplate } = central;
    const functions = statelessTemplate.findResources("AWS::Lambda::Function");
    for (const fn of [
      stateless.worker.fn,
      stateless.rescan.planner.fn,
      stateless.inventorySync.function.fn,
    ]) {
      expect(functions[logicalId(fn)]?.Properties.Environment.Variables.PULL_EXTERNAL_ID).toBe(
        PULL_EXTERNAL_ID,
      );
    }
    // Functions that assume no member role do not get it.
    expect(
      functions[logicalId(stateless.intake.fn)]?.Properties.Environment.Variables.PULL_EXTERNAL_ID,
    ).toBeUndefined();
  });

  it("gives scanner role names and ARNs for a central account, region and partition", () => {
    expect(
      scannerRoleArns({ account: CENTRAL_ACCOUNT, region: "us-gov-west-1", partition: "aws-us-gov" }),
    ).toEqual([
      `arn:aws-us-gov:iam::${CENTRAL_ACCOUNT}:role/portcullis-scan-worker-us-gov-west-1`,
      `arn:aws-us-gov:iam::${CENTRAL_ACCOUNT}:role/portcullis-rescan-planner-us-gov-west-1`,
      `arn:aws-us-gov:iam::${CENTRAL_ACCOUNT}:role/portcullis-inventory-sync-us-gov-west-1`,
    ]);
    expect(() => scannerRoleName("inventory-sync", "x".repeat(40))).toThrow(/64/);
  });
});
