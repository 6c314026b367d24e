/** The archive kinds read as Java archives: jar, and the war/ear/jpi/hpi that are jars too. */
const JAVA_ARCHIVE_EXTENSIONS = new Set([".jar", ".war", ".ear", ".jpi", ".hpi"]);

/** By extension, case-insensitively: "lib/Foo.JAR" is a jar. */
export function isJavaArchivePath(path: string): boolean {
  const dot = path.lastIndexOf(".");
  if (dot < 0 || dot < path.lastIndexOf("/")) return false;
  return JAVA_ARCHIVE_EXTENSIONS.has(path.slice(dot).toLowerCase());
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * What an archive's file name says: `commons-lang3-3.12.0.jar` → commons-lang3, 3.12.0. The
 * version starts at the last "-" followed by a digit (Trivy's rule), so `log4j-1.2-api-2.19.0`
 * keeps its whole name and `demo-0.0.1-SNAPSHOT` its qualifier; without one, the stem is the name.
 */
export function parseArchiveFileName(fileName: string): { name?: string; version?: string } {
  const dot = fileName.lastIndexOf(".");
  const stem = dot > 0 ? fileName.slice(0, dot) : fileName;
  const match = /^([A-Za-z0-9._+-]*[A-Za-z0-9._+])-(\d\S*)$/.exec(stem);
  if (match) return { name: match[1], version: match[2] };
  return /^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(stem) ? { name: stem } : {};
}
