import { decodeDatabaseText } from "../text-database.js";
import type { Analyzer, AnalyzerResult } from "../types.js";

const INFO = "var/lib/dpkg/info/";
const STATUS_D = "var/lib/dpkg/status.d/";

/**
 * The files each Debian package installed: `var/lib/dpkg/info/<pkg>[:<arch>].list` (one absolute
 * path per line) and, in distroless images, `var/lib/dpkg/status.d/<pkg>.md5sums` ("<md5>  <path>").
 * Used only to tell which language packages came with an OS package.
 */
export const dpkgFilesAnalyzer: Analyzer = {
  name: "dpkg-files",
  version: 1,
  maxFileSize: 16 * 1024 * 1024,
  required(path: string): boolean {
    if (path.startsWith(INFO)) return path.endsWith(".list") && path.indexOf("/", INFO.length) === -1;
    if (path.startsWith(STATUS_D))
      return path.endsWith(".md5sums") && path.indexOf("/", STATUS_D.length) === -1;
    return false;
  },
  analyze({ path, bytes }): AnalyzerResult {
    const md5sums = path.endsWith(".md5sums");
    const base = path.slice(
      path.lastIndexOf("/") + 1,
      path.length - (md5sums ? ".md5sums".length : ".list".length),
    );
    // Multi-arch packages' lists are named "<pkg>:<arch>.list".
    const name = base.includes(":") ? base.slice(0, base.indexOf(":")) : base;
    if (name === "") return {};
    const paths: string[] = [];
    for (const line of decodeDatabaseText(bytes).split("\n")) {
      // md5sums lines are "<32 hex>  <path relative to />".
      const file = md5sums ? line.slice(line.indexOf(" ") + 1).trimStart() : line;
      const normalized = file.replace(/^\/+/, "");
      if (normalized !== "" && normalized !== ".") paths.push(normalized);
    }
    return { installedFiles: [{ owner: { ecosystem: "deb", name }, paths }] };
  },
};
