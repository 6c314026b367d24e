import type { OperatingSystem } from "../../inventory/package.js";
import type { PackageFinding } from "../types.js";
import { advisoryRelease } from "./advisory-release.js";
import { withEndOfLife } from "./end-of-life.js";
import { inferOsFromPackages } from "./infer-from-packages.js";
import { type OsCandidate, pickOperatingSystem } from "./pick-operating-system.js";

/**
 * The image's OS: from its release files when it has them, else from the package that owns them;
 * with the release its advisories are keyed by and whether that release is past end of life.
 */
export function identifyOperatingSystem(
  candidates: readonly OsCandidate[],
  packages: readonly PackageFinding[],
  now: Date,
): OperatingSystem | undefined {
  const found = pickOperatingSystem(candidates) ?? inferOsFromPackages(packages);
  if (!found) return undefined;
  const release = advisoryRelease(found);
  return withEndOfLife(release === undefined ? found : { ...found, release }, now);
}
