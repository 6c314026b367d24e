const MANIFEST = "/package.json";

/**
 * The package name a `package.json` path implies when it is the root of an installed package:
 * `…node_modules/<name>/package.json` or `…node_modules/@scope/<name>/package.json`, at any depth
 * (pnpm's `.pnpm/<id>/node_modules/<name>` included). Anything deeper inside a package
 * (`node_modules/x/lib/package.json`, test fixtures) and the application's own manifest yield
 * undefined. String slicing only: this runs for every tar entry.
 */
export function packageNameFromPath(path: string): string | undefined {
  if (!path.endsWith(MANIFEST)) return undefined;
  const dir = path.slice(0, -MANIFEST.length);
  const slash = dir.lastIndexOf("/");
  if (slash <= 0) return undefined;
  const base = dir.slice(slash + 1);
  // ".bin", ".pnpm", ".cache" and a bare "@scope" directory are not packages.
  if (base === "" || base.charCodeAt(0) === 46 || base.charCodeAt(0) === 64) return undefined;
  const parent = dir.slice(0, slash);
  if (isNodeModules(parent)) return base;

  const parentSlash = parent.lastIndexOf("/");
  const scope = parent.slice(parentSlash + 1);
  if (scope.length < 2 || scope.charCodeAt(0) !== 64) return undefined;
  return parentSlash > 0 && isNodeModules(parent.slice(0, parentSlash)) ? `${scope}/${base}` : undefined;
}

function isNodeModules(dir: string): boolean {
  return dir === "node_modules" || dir.endsWith("/node_modules");
}
