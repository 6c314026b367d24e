import { z } from "zod";
import { matchGlob } from "./glob.js";
import { ignoreEntrySchema, ruleFromEntry } from "./ignore-rule.js";
import { PolicyError } from "./policy-error.js";
import { type PolicyOptions, severitySchema } from "./policy-options.js";
import { firstIssue, issuePath } from "./zod-issue.js";

const policyFields = {
  failOn: severitySchema.optional(),
  severities: z.array(severitySchema).min(1).optional(),
  ignoreUnfixed: z.boolean().optional(),
  ignore: z.array(ignoreEntrySchema).optional(),
};

/**
 * The server configuration's `policies` section. Repository patterns are globs over
 * "registry/repository" (no tag): `*` stays within one path segment, `**` crosses "/".
 * Unknown keys are errors, so a misspelt `failon:` cannot silently disable a gate.
 */
export const repositoryPoliciesSchema = z.strictObject({
  policies: z
    .array(z.strictObject({ repositories: z.array(z.string().trim().min(1)).min(1), ...policyFields }))
    .default([]),
  default: z.strictObject(policyFields).optional(),
});

export type RepositoryPolicies = z.infer<typeof repositoryPoliciesSchema>;
type PolicyEntry = z.infer<typeof repositoryPoliciesSchema.shape.default>;

/** Validates the section; `origin` (e.g. the config file) prefixes the error. */
export function parseRepositoryPolicies(input: unknown, origin = "server configuration"): RepositoryPolicies {
  const result = repositoryPoliciesSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const { path, message } = firstIssue(result.error);
  throw new PolicyError(`${origin}: ${issuePath(path)}: ${message}`, { cause: result.error });
}

function toOptions(entry: NonNullable<PolicyEntry>, origin: string): PolicyOptions {
  const options: PolicyOptions = {};
  if (entry.failOn) options.failOn = entry.failOn;
  if (entry.severities) options.severities = entry.severities;
  if (entry.ignoreUnfixed !== undefined) options.ignoreUnfixed = entry.ignoreUnfixed;
  if (entry.ignore) options.ignores = entry.ignore.map((e) => ruleFromEntry(e, origin, "repository-policy"));
  return options;
}

/**
 * The policy for one repository ("registry/repository"): the first entry with a matching pattern
 * wins, so specific entries go before broad ones; with no match, the default (or no policy).
 */
export function policyForRepository(config: RepositoryPolicies, repository: string): PolicyOptions {
  const index = config.policies.findIndex((p) =>
    p.repositories.some((pattern) => matchGlob(pattern, repository)),
  );
  const entry = config.policies[index];
  if (entry) return toOptions(entry, `policies[${index}]`);
  return config.default ? toOptions(config.default, "default") : {};
}
