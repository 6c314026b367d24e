import { readFileSync } from "node:fs";
import type { Node } from "constructs";
import { parse } from "yaml";
import { type NotificationRule, parseNotificationRules } from "../lib/notify/notification-rules.js";
import { parseRepositoryPolicies } from "../lib/policy/repository-policy.js";
import { type GcpConfig, readGcpConfig } from "./gcp-config.js";

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
  /** The ExternalId the member pull roles require (sts:ExternalId); the scanners pass it on AssumeRole. */
  readonly pullExternalId?: string;
  /** Prefix for the vulnerability DB bucket name; absent means a generated name. */
  readonly dbBucketNamePrefix?: string;
  readonly alarmEmail?: string;
  /** Per-repository policies (validated JSON) from the YAML file `portcullis:policyFile` names. */
  readonly repositoryPolicies?: string;
  /** Notification rules from the YAML file `portcullis:notificationRulesFile` names (validated). */
  readonly notificationRules: readonly NotificationRule[];
  /** Hours between vulnerability DB updates; absent means the default (6). */
  readonly dbUpdateRateHours?: number;
  /** Feed mirror base URLs for the DB update, tried before the publishers' own locations. */
  readonly feedMirrors?: readonly string[];
  /** Download feeds from the mirrors only (no internet egress to the publishers). */
  readonly feedMirrorsOnly?: boolean;
  /** Google Artifact Registry: workload identity, the Pub/Sub push, the projects to inventory. */
  readonly gcp?: GcpConfig;
  /** Hours between inventory syncs (registries listed, never-scanned images queued); default 6. */
  readonly inventorySyncRateHours?: number;
  /** Regions whose ECR repositories the inventory sync lists; default the stack's region. */
  readonly inventoryRegions?: readonly string[];
  /** Prefix of the dashboard's Cognito sign-in domain; default `portcullis-<account>`. */
  readonly dashboardDomainPrefix?: string;
  /** Import every scan's findings into AWS Security Hub (ASFF). */
  readonly securityHubImport?: boolean;
}

/** Lambda environment variables share 4 KiB; a bigger policy belongs in a parameter store. */
const MAX_POLICY_JSON = 3072;

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
    ...externalIdSetting(get("pullExternalId", "PORTCULLIS_PULL_EXTERNAL_ID")),
    dbBucketNamePrefix: get("dbBucketNamePrefix", "PORTCULLIS_DB_BUCKET_NAME_PREFIX"),
    alarmEmail: get("alarmEmail", "PORTCULLIS_ALARM_EMAIL"),
    repositoryPolicies: readPolicyFile(get("policyFile", "PORTCULLIS_POLICY_FILE")),
    notificationRules: readNotificationRules(
      get("notificationRulesFile", "PORTCULLIS_NOTIFICATION_RULES_FILE"),
    ),
    ...dbUpdateSettings(get),
    ...inventorySettings(get),
    ...dashboardSettings(get),
  };
}

/** STS accepts 2 to 1224 characters of `[\w+=,.@:/-]` as an ExternalId. */
export function checkExternalId(value: string): string {
  if (!/^[\w+=,.@:/-]{2,1224}$/.test(value)) {
    throw new Error(
      "portcullis:pullExternalId: an ExternalId is 2 to 1224 characters of [A-Za-z0-9+=,.@:/_-]",
    );
  }
  return value;
}

function externalIdSetting(value: string | undefined): Pick<PortcullisConfig, "pullExternalId"> {
  return value === undefined ? {} : { pullExternalId: checkExternalId(value) };
}

function dbUpdateSettings(
  get: (key: string, envKey: string) => string | undefined,
): Pick<PortcullisConfig, "dbUpdateRateHours" | "feedMirrors" | "feedMirrorsOnly"> {
  const rate = get("dbUpdateRateHours", "PORTCULLIS_DB_UPDATE_RATE_HOURS");
  const hours = rate === undefined ? undefined : Number(rate);
  if (hours !== undefined && !(Number.isInteger(hours) && hours >= 1 && hours <= 168)) {
    throw new Error(`portcullis:dbUpdateRateHours: "${rate}" is not a whole number of hours from 1 to 168`);
  }
  const mirrors = (get("feedMirrors", "PORTCULLIS_FEED_MIRRORS") ?? "")
    .split(/[\s,]+/)
    .filter((url) => url !== "");
  for (const url of mirrors) {
    if (!/^https?:\/\//.test(url)) throw new Error(`portcullis:feedMirrors: "${url}" is not an http(s) URL`);
  }
  const mirrorsOnly = get("feedMirrorsOnly", "PORTCULLIS_FEED_MIRRORS_ONLY") === "true";
  if (mirrorsOnly && mirrors.length === 0) {
    throw new Error("portcullis:feedMirrorsOnly needs portcullis:feedMirrors");
  }
  return {
    ...(hours !== undefined ? { dbUpdateRateHours: hours } : {}),
    ...(mirrors.length > 0 ? { feedMirrors: mirrors } : {}),
    ...(mirrorsOnly ? { feedMirrorsOnly: true } : {}),
  };
}

function dashboardSettings(
  get: (key: string, envKey: string) => string | undefined,
): Pick<PortcullisConfig, "dashboardDomainPrefix" | "securityHubImport"> {
  const prefix = get("dashboardDomainPrefix", "PORTCULLIS_DASHBOARD_DOMAIN_PREFIX");
  // Cognito's rule for domain prefixes: lowercase letters, digits and hyphens, not "aws"/"cognito".
  if (prefix !== undefined && !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(prefix)) {
    throw new Error(`portcullis:dashboardDomainPrefix: "${prefix}" is not a valid Cognito domain prefix`);
  }
  const securityHub = get("securityHubImport", "PORTCULLIS_SECURITY_HUB_IMPORT") === "true";
  return {
    ...(prefix !== undefined ? { dashboardDomainPrefix: prefix } : {}),
    ...(securityHub ? { securityHubImport: true } : {}),
  };
}

function inventorySettings(
  get: (key: string, envKey: string) => string | undefined,
): Pick<PortcullisConfig, "gcp" | "inventorySyncRateHours" | "inventoryRegions"> {
  const gcp = readGcpConfig(get("gcpConfigFile", "PORTCULLIS_GCP_CONFIG_FILE"));
  const rate = get("inventorySyncRateHours", "PORTCULLIS_INVENTORY_SYNC_RATE_HOURS");
  const hours = rate === undefined ? undefined : Number(rate);
  if (hours !== undefined && !(Number.isInteger(hours) && hours >= 1 && hours <= 168)) {
    throw new Error(
      `portcullis:inventorySyncRateHours: "${rate}" is not a whole number of hours from 1 to 168`,
    );
  }
  const regions = (get("inventoryRegions", "PORTCULLIS_INVENTORY_REGIONS") ?? "")
    .split(/[\s,]+/)
    .filter((region) => region !== "");
  for (const region of regions) {
    if (!/^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/.test(region))
      throw new Error(`portcullis:inventoryRegions: "${region}" is not an AWS region`);
  }
  return {
    ...(gcp ? { gcp } : {}),
    ...(hours !== undefined ? { inventorySyncRateHours: hours } : {}),
    ...(regions.length > 0 ? { inventoryRegions: regions } : {}),
  };
}

/** Validated at synth time, so a typo fails the deployment instead of every scan. */
function readNotificationRules(path: string | undefined): NotificationRule[] {
  if (!path) return [];
  const rules = parseNotificationRules(parse(readFileSync(path, "utf8")), path);
  const json = JSON.stringify({ rules });
  if (json.length > MAX_POLICY_JSON)
    throw new Error(`${path}: the rules take ${json.length} bytes as JSON, over ${MAX_POLICY_JSON}`);
  return rules;
}

function readPolicyFile(path: string | undefined): string | undefined {
  if (!path) return undefined;
  const policies = parseRepositoryPolicies(parse(readFileSync(path, "utf8")), path);
  const json = JSON.stringify(policies);
  if (json.length > MAX_POLICY_JSON)
    throw new Error(`${path}: the policies take ${json.length} bytes as JSON, over ${MAX_POLICY_JSON}`);
  return json;
}

/** The pull role name for one member account (or a `*` pattern when accountId is "*"). */
export function pullRoleName(config: PortcullisConfig, accountId: string): string {
  return config.pullRoleNameTemplate.replaceAll("{account}", accountId);
}
