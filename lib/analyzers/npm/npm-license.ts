/** More is not a licence list but junk; each entry is one SPDX expression or a licence name. */
const MAX_LICENSES = 16;
const MAX_LICENSE_LENGTH = 256;

/**
 * Licences as package.json (and lockfile v2/v3 entries) state them: `"license": "MIT"` (an SPDX
 * expression, kept whole), the deprecated `"license": {"type": "MIT"}`, and the legacy
 * `"licenses": [{"type": "MIT", "url": …}]` array (entries may also be bare strings).
 */
export function npmLicenses(manifest: Record<string, unknown>): string[] | undefined {
  const found: string[] = [];
  collect(manifest.license, found);
  collect(manifest.licenses, found);
  const unique = [...new Set(found)];
  return unique.length > 0 ? unique : undefined;
}

function collect(value: unknown, out: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value.slice(0, MAX_LICENSES)) collect(item, out);
    return;
  }
  const text =
    typeof value === "string"
      ? value
      : typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string"
        ? (value as { type: string }).type
        : undefined;
  const trimmed = text?.trim();
  if (trimmed && trimmed.length <= MAX_LICENSE_LENGTH && out.length < MAX_LICENSES) out.push(trimmed);
}
