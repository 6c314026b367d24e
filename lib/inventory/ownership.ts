import type { InstalledFiles } from "../analyzers/types.js";
import { isOsEcosystem, type Package } from "./package.js";

/**
 * Marks each language package whose metadata file (or the directory holding it) an OS package
 * installed, e.g. Debian's python3-requests owning requests-2.28.1.egg-info. The package stays in
 * the inventory and SBOM; matching goes through the owner so one flaw is reported once.
 */
export function assignOwners(packages: Package[], installed: readonly InstalledFiles[]): Package[] {
  if (installed.length === 0) return packages;
  const ownerOf = new Map<string, { ecosystem: string; name: string }>();
  for (const { owner, paths } of installed) for (const path of paths) ownerOf.set(path, owner);
  const osPackages = new Map<string, Package>();
  for (const p of packages)
    if (isOsEcosystem(p.ecosystem)) osPackages.set(`${p.ecosystem}\u0000${p.name}`, p);

  return packages.map((pkg) => {
    if (isOsEcosystem(pkg.ecosystem)) return pkg;
    const owner = findOwner(pkg.foundIn, ownerOf);
    const ownerPackage = owner && osPackages.get(`${owner.ecosystem}\u0000${owner.name}`);
    if (!ownerPackage) return pkg;
    return {
      ...pkg,
      ownedBy: { ecosystem: ownerPackage.ecosystem, name: ownerPackage.name, version: ownerPackage.version },
    };
  });
}

/**
 * The metadata file itself, or the directory holding it (an egg-info or dist-info directory).
 * Not further up: package file lists also name shared directories such as usr/ or usr/lib/.
 */
function findOwner(
  path: string,
  ownerOf: ReadonlyMap<string, { ecosystem: string; name: string }>,
): { ecosystem: string; name: string } | undefined {
  const parent = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
  return ownerOf.get(path) ?? (parent ? ownerOf.get(parent) : undefined);
}
