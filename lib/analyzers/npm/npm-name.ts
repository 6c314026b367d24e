/** npm refuses longer names; anything longer in a file is junk, not a package. */
export const MAX_NAME_LENGTH = 214;
/** node-semver's MAX_LENGTH: no real version string is longer. */
export const MAX_VERSION_LENGTH = 256;

/** Why a name/version pair cannot be a package, or undefined when it can. */
export function implausible(name: string, version: string): string | undefined {
  if (name.length > MAX_NAME_LENGTH) return `name longer than ${MAX_NAME_LENGTH} characters`;
  if (version.length > MAX_VERSION_LENGTH) return `version longer than ${MAX_VERSION_LENGTH} characters`;
  if (/\s/.test(name) || /\s/.test(version)) return "whitespace in name or version";
  return undefined;
}

/**
 * Splits "name@version" where the name may be scoped ("@babel/code-frame@7.0.0"): the version
 * starts after the first "@" that is not the scope's.
 */
export function splitNameAtVersion(spec: string): { name: string; version: string } | undefined {
  const at = spec.indexOf("@", spec.startsWith("@") ? 1 : 0);
  if (at <= 0 || at === spec.length - 1) return undefined;
  return { name: spec.slice(0, at), version: spec.slice(at + 1) };
}
