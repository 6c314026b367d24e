import type { Node } from "constructs";

/** Everything the CDK app reads from context or the environment, gathered in one place. */
export interface PortcullisConfig {
  readonly account?: string;
  readonly region?: string;
  /** The account that hosts the table, queue and workers; member accounts forward events here. */
  readonly centralAccountId?: string;
  /** Member accounts allowed to put events on the bus and whose pull role the worker may assume. */
  readonly memberAccountIds: readonly string[];
  /** When set, any account of this AWS Organization may forward events and expose a pull role. */
  readonly organizationId?: string;
  /** Name of the read-only pull role in each member account; `{account}` is substituted. */
  readonly pullRoleNameTemplate: string;
  /** Prefix for the vulnerability DB bucket name; absent means a generated name. */
  readonly dbBucketNamePrefix?: string;
  readonly alarmEmail?: string;
}

export const DEFAULT_PULL_ROLE_NAME_TEMPLATE = "portcullis-ecr-pull";

type Source = Readonly<Record<string, string | undefined>>;

const ACCOUNT_ID = /^\d{12}$/;

/** Reads `portcullis:*` context first, then PORTCULLIS_* / CDK_DEFAULT_* environment variables. */
export function readConfig(node: Node, env: Source = process.env): PortcullisConfig {
  const get = (key: string, envKey: string): string | undefined => {
    const fromContext: unknown = node.tryGetContext(`portcullis:${key}`);
    const value = typeof fromContext === "string" ? fromContext : env[envKey];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  };
  const account = get("account", "CDK_DEFAULT_ACCOUNT");
  const memberAccountIds = (get("memberAccountIds", "PORTCULLIS_MEMBER_ACCOUNT_IDS") ?? "")
    .split(",")
    .map((id) => id.trim())
    .filter((id) => id !== "");
  for (const id of memberAccountIds) {
    if (!ACCOUNT_ID.test(id))
      throw new Error(`portcullis:memberAccountIds: "${id}" is not a 12-digit account id`);
  }
  return {
    account,
    region: get("region", "CDK_DEFAULT_REGION"),
    centralAccountId: get("centralAccountId", "PORTCULLIS_CENTRAL_ACCOUNT_ID") ?? account,
    memberAccountIds,
    organizationId: get("organizationId", "PORTCULLIS_ORGANIZATION_ID"),
    pullRoleNameTemplate:
      get("pullRoleNameTemplate", "PORTCULLIS_PULL_ROLE_NAME_TEMPLATE") ?? DEFAULT_PULL_ROLE_NAME_TEMPLATE,
    dbBucketNamePrefix: get("dbBucketNamePrefix", "PORTCULLIS_DB_BUCKET_NAME_PREFIX"),
    alarmEmail: get("alarmEmail", "PORTCULLIS_ALARM_EMAIL"),
  };
}

/** The pull role name for one member account (or a `*` pattern when accountId is "*"). */
export function pullRoleName(config: PortcullisConfig, accountId: string): string {
  return config.pullRoleNameTemplate.replaceAll("{account}", accountId);
}
