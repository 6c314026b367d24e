import type { OperatingSystem, Package } from "../inventory/package.js";
import { isOsEcosystem } from "../inventory/package.js";
import { advisoryQueries } from "../matching/advisory-query.js";
import { type PackageKey, packageKey } from "../vulndb/db/package-key.js";

/** What a stored scan contributes to the package index: its inventory. */
export interface ScanInventory {
  os?: OperatingSystem;
  packages: readonly Package[];
}

/**
 * The keys an image is indexed under: exactly what matching looks up in the DB (OSV ecosystem,
 * source package for OS packages), normalised the way the DB normalises advisory keys, so a
 * changed advisory's `affected[].package` finds every image that could match it. OS packages are
 * also indexed by their binary name, which some feeds (rpm) key advisories by.
 */
export function packageIndexKeys(inventory: ScanInventory): PackageKey[] {
  const keys = new Map<string, PackageKey>();
  const add = (ecosystem: string, name: string) => {
    const key = packageKey(ecosystem, name);
    keys.set(`${key.ecosystem}\u0000${key.name}`, key);
  };
  for (const pkg of inventory.packages) {
    for (const query of advisoryQueries(pkg, inventory.os)) {
      add(query.ecosystem, query.name);
      if (isOsEcosystem(pkg.ecosystem)) add(query.ecosystem, pkg.name);
    }
  }
  return [...keys.values()];
}
