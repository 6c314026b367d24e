/**
 * The page a reader should open for a vulnerability id: NVD for CVEs, the GitHub advisory
 * database for GHSAs, else the first http(s) reference, else OSV (which indexes most ids).
 */
export function advisoryUrl(id: string, references: readonly string[] = []): string {
  if (/^CVE-\d{4}-\d+$/i.test(id)) return `https://nvd.nist.gov/vuln/detail/${id.toUpperCase()}`;
  if (/^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/i.test(id)) return `https://github.com/advisories/${id}`;
  const reference = references.find(isHttpUrl);
  return reference ?? `https://osv.dev/vulnerability/${encodeURIComponent(id)}`;
}

/** True for a well-formed absolute http(s) URL: only those are written as links. */
export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "https:" || url.protocol === "http:") && !/\s/.test(value);
  } catch {
    return false;
  }
}
