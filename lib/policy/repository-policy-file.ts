import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import { PolicyError } from "./policy-error.js";
import { parseRepositoryPolicies, type RepositoryPolicies } from "./repository-policy.js";

/** Reads the server configuration's per-repository policies from a YAML (or JSON) file. */
export async function loadRepositoryPolicies(path: string): Promise<RepositoryPolicies> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new PolicyError(`${path}: cannot read the policy configuration: ${(err as Error).message}`, {
      cause: err,
    });
  }
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch (err) {
    throw new PolicyError(`${path}: not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  return parseRepositoryPolicies(parsed, path);
}
