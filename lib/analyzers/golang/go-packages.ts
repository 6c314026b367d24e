import type { PackageFinding } from "../types.js";
import type { GoBuildInfo, GoModule } from "./go-build-info.js";
import { goModuleVersion, goVersionToSemver } from "./go-version.js";

export const GO_ECOSYSTEM = "golang";

/**
 * The packages a Go binary is made of, in OSV's Go terms:
 * - `stdlib` at the toolchain's version ("1.21.5"), as the Go vulnerability database names it;
 * - the main module, unless Go recorded it as "(devel)" (a plain `go build` from a checkout: no
 *   version exists to match, and that is normal, so it costs no warning);
 * - every dependency. When a `replace` directive applied, the replacement's path and version are
 *   reported, since that is the code compiled in, and the module it replaced is kept in `source`
 *   (the Package model has no dedicated field for it). Replacements by a local directory
 *   ("../fork", version "(devel)") are left out like the main module: nothing can match them.
 * Versions drop Go's leading "v" ("v1.2.3" → "1.2.3") as OSV's SEMVER ranges do; a purl writer
 * puts it back (pkg:golang/...@v1.2.3). The go.sum hash ("h1:...") goes to `checksum`.
 */
export function goPackages(info: GoBuildInfo): PackageFinding[] {
  const out: PackageFinding[] = [];
  const std = goVersionToSemver(info.goVersion);
  if (std) out.push({ ecosystem: GO_ECOSYSTEM, name: "stdlib", version: std });
  if (info.main && isVersioned(info.main)) out.push(modulePackage(info.main));
  for (const dep of info.deps) {
    const used = dep.replace ?? dep;
    if (!isVersioned(used)) continue;
    const pkg = modulePackage(used);
    if (dep.replace) {
      pkg.source = isVersioned(dep)
        ? { name: dep.path, version: goModuleVersion(dep.version) }
        : { name: dep.path };
    }
    out.push(pkg);
  }
  return out;
}

function isVersioned(mod: GoModule): boolean {
  return mod.path !== "" && mod.version !== "" && mod.version !== "(devel)";
}

function modulePackage(mod: GoModule): PackageFinding {
  return {
    ecosystem: GO_ECOSYSTEM,
    name: mod.path,
    version: goModuleVersion(mod.version),
    ...(mod.sum ? { checksum: mod.sum } : {}),
  };
}
