/**
 * "<name>-<version>[-<platform>].gemspec", the name RubyGems gives an installed spec: the version
 * is the first dash-separated part after the name that starts with a digit (names may hold
 * dashes and digits, "aws-sdk-s3-1.136.0"; versions hold no dash).
 */
export function gemFromFileName(
  fileName: string,
): { name: string; version: string; platform?: string } | undefined {
  if (!fileName.endsWith(".gemspec")) return undefined;
  const parts = fileName.slice(0, -".gemspec".length).split("-");
  for (let i = 1; i < parts.length; i++) {
    if (!/^\d[0-9A-Za-z.]*$/.test(parts[i] as string)) continue;
    const name = parts.slice(0, i).join("-");
    const platform = parts.slice(i + 1).join("-");
    if (name === "") return undefined;
    return platform ? { name, version: parts[i] as string, platform } : { name, version: parts[i] as string };
  }
  return undefined;
}
