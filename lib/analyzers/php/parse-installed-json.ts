import { createWarningCollector, decodeDatabaseText, type WarningCollector } from "../text-database.js";
import type { PackageFinding } from "../types.js";

export interface InstalledJsonResult {
  packages: PackageFinding[];
  warnings: string[];
}

const MAX_FIELD = 256;
const MAX_LICENSES = 16;

/**
 * `vendor/composer/installed.json`, what Composer installed into vendor/: Composer 1 writes an
 * array of packages, Composer 2 `{packages: […], dev, dev-package-names}`.
 *
 * - `version` is reported as written ("v5.4.1", "1.3.0", "dev-main"). Packagist advisories
 *   (GHSA, FriendsOfPHP) give plain versions, and Composer's (and OSV's Packagist) comparison treats
 *   a leading "v" as insignificant ("v1.0.0 = 1.0.0"), so stripping it would gain nothing, while
 *   `version_normalized` ("5.4.1.0", "9999999-dev") is Composer-internal and names no release.
 * - Dev packages (`dev-package-names`) are reported too: they are on disk in vendor/, and dev
 *   tools left in production images are a classic attack path (phpunit's eval-stdin.php).
 */
export function parseInstalledJson(input: Buffer): InstalledJsonResult {
  const collector = createWarningCollector();
  let doc: unknown;
  try {
    doc = JSON.parse(decodeDatabaseText(input));
  } catch {
    collector.warn("not valid JSON; skipped");
    return { packages: [], warnings: collector.list() };
  }
  const list = Array.isArray(doc)
    ? doc
    : isObject(doc) && Array.isArray(doc.packages)
      ? doc.packages
      : undefined;
  if (!list) {
    collector.warn("neither a package array (Composer 1) nor {packages: [...]} (Composer 2); skipped");
    return { packages: [], warnings: collector.list() };
  }
  const packages: PackageFinding[] = [];
  list.forEach((entry: unknown, index: number) => {
    const finding = toFinding(entry, index, collector);
    if (finding) packages.push(finding);
  });
  return { packages, warnings: collector.list() };
}

function toFinding(entry: unknown, index: number, collector: WarningCollector): PackageFinding | undefined {
  if (!isObject(entry)) {
    collector.warn(`packages[${index}]: not an object; skipped`);
    return undefined;
  }
  const { name, version } = entry;
  if (typeof name !== "string" || name === "" || typeof version !== "string" || version === "") {
    collector.warn(`packages[${index}]: no name or version; skipped`);
    return undefined;
  }
  if (name.length > MAX_FIELD || version.length > MAX_FIELD || /\s/.test(name) || /\s/.test(version)) {
    collector.warn(`packages[${index}]: implausible name or version; skipped`);
    return undefined;
  }
  const finding: PackageFinding = { ecosystem: "composer", name, version };
  const licenses = licensesOf(entry.license);
  if (licenses.length > 0) finding.licenses = licenses;
  return finding;
}

/** `"license": ["MIT"]`, or a bare string in old packages. */
function licensesOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  const out = list
    .filter((l): l is string => typeof l === "string")
    .map((l) => l.trim())
    .filter((l) => l !== "" && l.length <= MAX_FIELD);
  return [...new Set(out)].slice(0, MAX_LICENSES);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
