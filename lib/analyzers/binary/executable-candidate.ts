/** Below this no ELF/PE/Mach-O binary carries build metadata worth reading. */
export const MIN_EXECUTABLE_SIZE = 1024;

/** Directories whose direct children are binaries even when the image lost their execute bits. */
const BINARY_DIRS = new Set([
  "bin",
  "sbin",
  "usr/bin",
  "usr/sbin",
  "usr/local/bin",
  "usr/local/sbin",
  "usr/local/go/bin",
  "go/bin",
  "root/go/bin",
  "app",
]);

/** Trees that hold documentation, headers, configuration and package-manager scripts, not programs. */
const NON_BINARY_PREFIXES = [
  "usr/share/",
  "usr/include/",
  "etc/",
  "proc/",
  "sys/",
  "dev/",
  "var/lib/dpkg/",
  "var/lib/rpm/",
  "lib/apk/",
];

/** Extensions of scripts, sources, documents and archives that are often marked executable. */
const NON_BINARY_EXTENSIONS = new Set(
  (
    "sh bash zsh fish csh ksh py pyc pyo pl pm rb js mjs cjs ts php lua tcl awk sed ps1 bat cmd " +
    "json yaml yml toml ini cfg conf txt md rst html htm css xml csv log lock sum mod " +
    "h hpp c cc cpp go rs java class jar war ear " +
    "gz xz bz2 zst tar tgz zip 7z png jpg jpeg gif svg ico pdf pem crt key service desktop"
  ).split(" "),
);

/**
 * Whether a tar entry may be a compiled program worth opening (Go build info, cargo-auditable):
 * something marked executable, a `.exe`, or a file directly in a bin directory, but not a script,
 * a source file or anything under documentation and configuration trees. Header-only and cheap:
 * it runs for every entry of every layer.
 */
export function isExecutableCandidate(path: string, size: number, mode?: number): boolean {
  if (size <= MIN_EXECUTABLE_SIZE) return false;
  for (const prefix of NON_BINARY_PREFIXES) if (path.startsWith(prefix)) return false;
  const slash = path.lastIndexOf("/");
  const base = path.slice(slash + 1);
  const dot = base.lastIndexOf(".");
  const ext = dot > 0 ? base.slice(dot + 1).toLowerCase() : "";
  if (ext !== "" && NON_BINARY_EXTENSIONS.has(ext)) return false;
  if (mode !== undefined && (mode & 0o111) !== 0) return true;
  if (ext === "exe") return true;
  return slash > 0 && BINARY_DIRS.has(path.slice(0, slash));
}
