import type { z } from "zod";

/** "ignore[2].expires" style path of a zod issue, "(document)" for the root. */
export function issuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "(document)" : out;
}

/** The first issue in one line: people fix one mistake at a time, and the first is the likeliest cause. */
export function firstIssue(error: z.ZodError): { path: readonly PropertyKey[]; message: string } {
  const issue = error.issues[0];
  return { path: issue?.path ?? [], message: issue?.message ?? "invalid" };
}
