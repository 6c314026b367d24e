const HEADER = "include/node/node_version.h";
const HEADER_PATHS: ReadonlySet<string> = new Set([`usr/local/${HEADER}`, `usr/${HEADER}`]);
const BINARY_PATHS: ReadonlySet<string> = new Set([
  "usr/local/bin/node",
  "usr/bin/node",
  "usr/bin/nodejs",
  // distroless nodejs images: no headers, no dpkg record, only the binary.
  "nodejs/bin/node",
]);

/**
 * `node_version.h` where official images (usr/local), NodeSource packages (usr) and tarballs
 * unpacked under /opt put it. node-gyp's header caches (~/.cache/node-gyp/<v>/include/node) are
 * left out on purpose: they describe what addons were built against, not the runtime.
 */
export function isNodeHeaderPath(path: string): boolean {
  if (!path.endsWith(HEADER)) return false;
  return HEADER_PATHS.has(path) || isUnderOneOptDir(path, HEADER);
}

/** The node executable in the usual places, and `opt/<dir>/bin/node` for unpacked tarballs. */
export function isNodeBinaryPath(path: string): boolean {
  if (!path.endsWith("/node") && !path.endsWith("/nodejs")) return false;
  return BINARY_PATHS.has(path) || isUnderOneOptDir(path, "bin/node");
}

/** `opt/<one directory>/<rest>`. */
function isUnderOneOptDir(path: string, rest: string): boolean {
  if (!path.startsWith("opt/") || !path.endsWith(`/${rest}`)) return false;
  const dir = path.slice("opt/".length, path.length - rest.length - 1);
  return dir !== "" && !dir.includes("/");
}
