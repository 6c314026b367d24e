import { PackageURL } from "packageurl-js";

/** A purl reduced to what identifies a package; qualifiers (arch, distro ...) are left out on purpose. */
export interface PurlIdentity {
  type: string;
  namespace?: string;
  name: string;
  version?: string;
}

export function parsePurl(text: string): PurlIdentity | undefined {
  if (!text.startsWith("pkg:")) return undefined;
  try {
    const p = PackageURL.fromString(text);
    return {
      type: p.type.toLowerCase(),
      ...(p.namespace ? { namespace: p.namespace } : {}),
      name: p.name,
      ...(p.version ? { version: p.version } : {}),
    };
  } catch {
    return undefined;
  }
}

/**
 * True when `candidate` is the package `pattern` names: same type, namespace and name, and the same
 * version when the pattern has one (a version-less pattern means every version).
 */
export function purlMatches(pattern: string | PurlIdentity, candidate: string | undefined): boolean {
  const want = typeof pattern === "string" ? parsePurl(pattern) : pattern;
  const have = candidate ? parsePurl(candidate) : undefined;
  if (!want || !have) return false;
  return (
    want.type === have.type &&
    (want.namespace ?? "") === (have.namespace ?? "") &&
    want.name === have.name &&
    (want.version === undefined || want.version === have.version)
  );
}
