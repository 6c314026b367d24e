import type { Analyzer, AnalyzerResult } from "../types.js";
import { parseRpmDatabase } from "./parse-rpm-database.js";
import { parseRpmManifest } from "./parse-rpm-manifest.js";

/**
 * Where rpm keeps its database: var/lib/rpm (RHEL/CentOS <= 8, Amazon Linux, SUSE, Mariner),
 * usr/lib/sysimage/rpm (Fedora >= 36, RHEL 9, where var/lib/rpm is a symlink to it) and usr/share/rpm
 * (rpm-ostree images). One file per backend: Berkeley DB `Packages`, ndb `Packages.db`, `rpmdb.sqlite`.
 */
const DATABASE_DIRS = ["var/lib/rpm/", "usr/lib/sysimage/rpm/", "usr/share/rpm/"] as const;
const DATABASE_FILES: ReadonlySet<string> = new Set(["Packages", "Packages.db", "rpmdb.sqlite"]);
/** CBL-Mariner distroless images have no database, only this manifest. */
const MANIFEST = "var/lib/rpmmanifest/container-manifest-2";

export const rpmAnalyzer: Analyzer = {
  name: "rpm",
  version: 2,
  // A big RHEL or Fedora image's database passes 100 MiB: header blobs hold every file's metadata.
  maxFileSize: 256 * 1024 * 1024,
  required(path: string): boolean {
    if (path === MANIFEST) return true;
    for (const dir of DATABASE_DIRS) {
      if (path.startsWith(dir)) return DATABASE_FILES.has(path.slice(dir.length));
    }
    return false;
  },
  analyze({ path, bytes }): AnalyzerResult {
    if (path === MANIFEST) {
      const { packages, warnings } = parseRpmManifest(bytes);
      // The pipeline attaches the file path to each warning.
      return warnings.length > 0 ? { packages, warnings } : { packages };
    }
    const { packages, warnings, files } = parseRpmDatabase(bytes);
    return { packages, installedFiles: files, ...(warnings.length > 0 ? { warnings } : {}) };
  },
};
