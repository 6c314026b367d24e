import type { MisconfigurationFinding, SecretFinding } from "../checks/types.js";
import type { VulnerabilityFinding } from "../matching/finding.js";
import { matchGlob } from "./glob.js";
import type { IgnoreRule } from "./ignore-rule.js";
import { purlMatches } from "./purl-match.js";

// Advisory ids are compared without case: "ghsa-xxxx" and "GHSA-xxxx" are the same advisory.
const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function packageMatches(want: string, pkg: VulnerabilityFinding["package"]): boolean {
  return want.startsWith("pkg:") ? purlMatches(want, pkg.purl) : want === pkg.name;
}

/** The entry names the flaw by its id or any alias, and its package and path narrowing hold. */
export function ignoreMatchesVulnerability(rule: IgnoreRule, finding: VulnerabilityFinding): boolean {
  if (!same(rule.id, finding.id) && !finding.aliases.some((alias) => same(rule.id, alias))) return false;
  if (rule.package !== undefined && !packageMatches(rule.package, finding.package)) return false;
  if (rule.path !== undefined && !matchGlob(rule.path, finding.package.foundIn)) return false;
  return true;
}

/** By rule id (every leak of that kind) or fingerprint (this one credential, wherever it is). */
export function ignoreMatchesSecret(rule: IgnoreRule, finding: SecretFinding): boolean {
  if (rule.id !== finding.ruleId && !same(rule.id, finding.fingerprint)) return false;
  // A secret belongs to no package, so an entry narrowed to one never covers it.
  if (rule.package !== undefined) return false;
  if (rule.path !== undefined && !matchGlob(rule.path, finding.path)) return false;
  return true;
}

/** Misconfigurations concern the whole image: an entry narrowed by package or path never covers one. */
export function ignoreMatchesMisconfiguration(rule: IgnoreRule, finding: MisconfigurationFinding): boolean {
  return same(rule.id, finding.id) && rule.package === undefined && rule.path === undefined;
}
