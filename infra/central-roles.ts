import { Token } from "aws-cdk-lib";

/**
 * The central functions that assume member pull roles. Their roles get predictable names so a member
 * account's pull role can trust exactly them, even before (or without) reading the central stack.
 */
export const SCANNER_ROLES = ["scan-worker", "rescan-planner", "inventory-sync"] as const;
export type ScannerRole = (typeof SCANNER_ROLES)[number];

/** IAM role names are account-global; the region keeps a second regional deployment apart. */
export function scannerRoleName(role: ScannerRole, region: string): string {
  const name = `portcullis-${role}-${region}`;
  // IAM caps role names at 64 characters; a token region resolves to at most ~15 at deploy time.
  if (!Token.isUnresolved(region) && name.length > 64) {
    throw new Error(`scanner role name "${name}" is longer than IAM's 64 characters`);
  }
  return name;
}

export interface CentralAccount {
  readonly account: string;
  readonly region: string;
  readonly partition: string;
}

/** The ARNs a member's pull role trusts: one per scanner role of the central deployment. */
export function scannerRoleArns(central: CentralAccount): string[] {
  return SCANNER_ROLES.map(
    (role) =>
      `arn:${central.partition}:iam::${central.account}:role/${scannerRoleName(role, central.region)}`,
  );
}
