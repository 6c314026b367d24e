/** Paths as layers record them ("./usr/bin/su", "/usr/bin/su") in the report's form: "usr/bin/su". */
export function normalizePath(path: string): string {
  return path.replace(/^(?:\.?\/)+/, "");
}
