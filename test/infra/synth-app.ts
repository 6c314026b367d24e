import { fileURLToPath } from "node:url";
import { App, type CfnElement, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { buildPortcullisApp, type PortcullisStacks } from "../../infra/build-app.js";
import { readConfig } from "../../infra/config.js";

export const MEMBER_ACCOUNTS = ["111111111111", "222222222222"];
export const ORG_ID = "o-abc123def4";
export const FEED_MIRROR = "https://feeds.mirror.example/portcullis";
export const PULL_EXTERNAL_ID = "portcullis-ext-4f2a";

export interface SynthesizedApp extends PortcullisStacks {
  readonly app: App;
  readonly statefulTemplate: Template;
  readonly statelessTemplate: Template;
}

/**
 * Builds and synthesizes the whole app once (NodejsFunction bundles the real handlers with local
 * esbuild, offline), with every optional setting on so every branch of the stacks is exercised.
 */
export function synthApp(): SynthesizedApp {
  const app = new App({
    context: {
      "portcullis:account": "123456789012",
      "portcullis:region": "eu-west-1",
      "portcullis:memberAccountIds": MEMBER_ACCOUNTS.join(","),
      "portcullis:organizationId": ORG_ID,
      "portcullis:pullExternalId": PULL_EXTERNAL_ID,
      "portcullis:dbBucketNamePrefix": "portcullis-db",
      "portcullis:alarmEmail": "ops@example.com",
      "portcullis:dbUpdateRateHours": "12",
      "portcullis:feedMirrors": FEED_MIRROR,
      "portcullis:policyFile": fileURLToPath(
        new URL("../fixtures/policy/server-policies.yaml", import.meta.url),
      ),
      "portcullis:gcpConfigFile": fileURLToPath(new URL("../fixtures/gcp/gcp-config.yaml", import.meta.url)),
      "portcullis:inventorySyncRateHours": "3",
      "portcullis:dashboardDomainPrefix": "portcullis-test-dashboard",
      "portcullis:securityHubImport": "true",
      "portcullis:notificationRulesFile": fileURLToPath(
        new URL("../fixtures/policy/notification-rules.yaml", import.meta.url),
      ),
    },
  });
  const stacks = buildPortcullisApp(app, readConfig(app.node, {}));
  app.synth();
  return {
    app,
    ...stacks,
    statefulTemplate: Template.fromStack(stacks.stateful),
    statelessTemplate: Template.fromStack(stacks.stateless),
  };
}

/** The logical id CloudFormation sees for a construct's L1 resource. */
export function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}

export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
}

export const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

/** The statements of the default policy attached to one role. */
export function roleStatements(template: Template, role: IConstruct): Statement[] {
  const roleId = logicalId(role);
  const policies = Object.values(template.findResources("AWS::IAM::Policy")).filter((policy) =>
    (policy.Properties.Roles as Array<{ Ref: string }>).some((ref) => ref.Ref === roleId),
  );
  return policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}
