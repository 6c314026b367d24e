import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { z } from "zod";
import { parseWorkloadIdentitySettings } from "../lib/gcp/workload-identity.js";

/**
 * The GCP side of a deployment, from the YAML file `portcullis:gcpConfigFile` names. Nothing in it
 * is secret: the scanner reaches GCP by workload identity federation, never with a key file.
 */
export interface GcpConfig {
  /** The pool provider that trusts this AWS account, and the service account the workers become. */
  readonly workloadIdentity: {
    readonly projectNumber: string;
    readonly poolId: string;
    readonly providerId: string;
    readonly serviceAccountEmail: string;
  };
  /** The Pub/Sub push subscription's OIDC token: its audience and signing service account. */
  readonly push?: { readonly audience: string; readonly serviceAccountEmail: string };
  /** Projects and locations the inventory sync lists, so no push is missed. */
  readonly inventory: ReadonlyArray<{ readonly project: string; readonly locations: readonly string[] }>;
}

const SERVICE_ACCOUNT = z
  .string()
  .max(254)
  .regex(
    /^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z0-9.:-]+\.iam\.gserviceaccount\.com$/,
    "not a service account email",
  );
const POOL_ID = z.string().regex(/^[a-z0-9-]{4,32}$/, "4 to 32 lowercase letters, digits or hyphens");
const PROJECT = z.string().regex(/^(?:[a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "not a GCP project id");
const LOCATION = z.string().regex(/^[a-z]+(?:-[a-z]+\d*)*$/, "not a GCP location");

const GcpConfigSchema = z
  .object({
    workloadIdentity: z
      .object({
        projectNumber: z
          .union([z.string(), z.number()])
          .transform(String)
          .pipe(z.string().regex(/^\d{6,20}$/)),
        poolId: POOL_ID,
        providerId: POOL_ID,
        serviceAccountEmail: SERVICE_ACCOUNT,
      })
      .strict(),
    push: z
      .object({
        // The push endpoint's URL would be the natural audience, but the function URL is only known
        // after deployment: a fixed string set on both sides avoids a circular reference.
        audience: z.string().min(8).max(512),
        serviceAccountEmail: SERVICE_ACCOUNT,
      })
      .strict()
      .optional(),
    inventory: z
      .array(z.object({ project: PROJECT, locations: z.array(LOCATION).min(1).max(50) }).strict())
      .max(100)
      .default([]),
  })
  .strict();

/** Validated at synth time, so a typo fails `cdk synth` instead of every pull. */
export function readGcpConfig(path: string | undefined): GcpConfig | undefined {
  if (!path) return undefined;
  return parseGcpConfig(parse(readFileSync(path, "utf8")), path);
}

export function parseGcpConfig(input: unknown, origin: string): GcpConfig {
  const parsed = GcpConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${origin}: ${issue?.path.join(".") || "(root)"}: ${issue?.message}`);
  }
  // The workers parse the same settings at cold start: check them with the same schema now.
  parseWorkloadIdentitySettings(parsed.data.workloadIdentity, `${origin}: workloadIdentity`);
  return parsed.data;
}
