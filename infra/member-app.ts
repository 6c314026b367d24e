import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { App, Aspects, LegacyStackSynthesizer, type StackProps } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { checkExternalId, DEFAULT_PULL_ROLE_NAME_TEMPLATE } from "./config.js";
import { MemberAccountStack, type MemberAccountStackProps } from "./stacks/member-stack.js";

type Source = Readonly<Record<string, string | undefined>>;
type MemberSettings = Omit<MemberAccountStackProps, keyof StackProps>;

const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;

/**
 * Reads `portcullis:*` context, then PORTCULLIS_* variables. Unlike the central config there is no
 * fallback to CDK_DEFAULT_ACCOUNT: here that is the member's own account, never the central one.
 */
export function readMemberConfig(app: App, env: Source = process.env): MemberSettings {
  const get = (key: string, envKey: string): string | undefined => {
    const fromContext: unknown = app.node.tryGetContext(`portcullis:${key}`);
    const value = typeof fromContext === "string" ? fromContext : env[envKey];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  };
  const required = (key: string, envKey: string, pattern: RegExp, what: string): string => {
    const value = get(key, envKey);
    if (value === undefined) throw new Error(`portcullis:${key} (or ${envKey}) is required`);
    if (!pattern.test(value)) throw new Error(`portcullis:${key}: "${value}" is not ${what}`);
    return value;
  };
  const organizationId = get("organizationId", "PORTCULLIS_ORGANIZATION_ID");
  if (organizationId !== undefined && !ORGANIZATION_ID.test(organizationId)) {
    throw new Error(`portcullis:organizationId: "${organizationId}" is not an organization id (o-...)`);
  }
  const externalId = get("pullExternalId", "PORTCULLIS_PULL_EXTERNAL_ID");
  const createPullRole = get("createPullRole", "PORTCULLIS_CREATE_PULL_ROLE");
  if (createPullRole !== undefined && createPullRole !== "true" && createPullRole !== "false") {
    throw new Error(`portcullis:createPullRole: "${createPullRole}" is not true or false`);
  }
  return {
    centralAccountId: required(
      "centralAccountId",
      "PORTCULLIS_CENTRAL_ACCOUNT_ID",
      ACCOUNT_ID,
      "a 12-digit account id",
    ),
    centralRegion: required("centralRegion", "PORTCULLIS_CENTRAL_REGION", REGION, "an AWS region"),
    pullRoleNameTemplate:
      get("pullRoleNameTemplate", "PORTCULLIS_PULL_ROLE_NAME_TEMPLATE") ?? DEFAULT_PULL_ROLE_NAME_TEMPLATE,
    ...(organizationId !== undefined ? { organizationId } : {}),
    ...(externalId !== undefined ? { pullExternalId: checkExternalId(externalId) } : {}),
    ...(createPullRole === "false" ? { createPullRole: false } : {}),
  };
}

/**
 * Adds the member stack, environment-agnostic, with cdk-nag. The legacy synthesizer deploys with the
 * CLI's credentials and emits no bootstrap-version rule, so neither `cdk deploy` in a member account
 * nor the same template in a StackSet needs a CDK bootstrap there (the stack has no assets).
 */
export function buildMemberApp(app: App, env: Source = process.env): MemberAccountStack {
  const stack = new MemberAccountStack(app, "PortcullisMember", {
    ...readMemberConfig(app, env),
    synthesizer: new LegacyStackSynthesizer(),
  });
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  return stack;
}

/** Synthesizes only when run as the CDK app (`npx tsx infra/member-app.ts`), not when a test imports it. */
function isEntryPoint(): boolean {
  const entry = process.argv[1];
  try {
    return entry !== undefined && import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const app = new App();
  buildMemberApp(app);
  app.synth();
}
