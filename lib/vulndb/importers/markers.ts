import type { Affected } from "../advisory.js";

/**
 * Distro sources say "this package was never vulnerable in this release" (Alpine secfix "0",
 * Debian fixed_version "0"). OSV has no field for it, and an affected entry without ranges is
 * ambiguous, so such entries carry no ranges and `database_specific.not_affected = true`: the
 * matcher must skip them (and may use them to suppress findings from other sources).
 */
export const NOT_AFFECTED_KEY = "not_affected";

export function isNotAffected(affected: Affected): boolean {
  return affected.database_specific?.[NOT_AFFECTED_KEY] === true;
}
