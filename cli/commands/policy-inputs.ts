import { existsSync } from "node:fs";
import { join } from "node:path";
import type { SeverityLevel } from "../../lib/matching/finding.js";
import { DEFAULT_IGNORE_FILES, loadIgnoreFile } from "../../lib/policy/ignore-file.js";
import { loadVexDocuments } from "../../lib/policy/openvex.js";
import type { PolicyOptions } from "../../lib/policy/policy-options.js";

/** The command-line flags that make up a policy. */
export interface PolicyFlags {
  severity?: SeverityLevel[];
  failOn?: SeverityLevel;
  ignoreUnfixed?: boolean;
  /** --ignorefile; false with --no-ignorefile. */
  ignorefile?: string | false;
  vex?: string[];
}

/**
 * The policy the flags ask for, or undefined when they ask for none (the report then carries no
 * policy section). Without --ignorefile, .portcullisignore.yaml (or .yml, or plain) in the working
 * directory applies when present, as .trivyignore does for Trivy users.
 */
export async function policyFromFlags(
  flags: PolicyFlags,
  cwd = process.cwd(),
): Promise<PolicyOptions | undefined> {
  const ignorefile =
    flags.ignorefile === false
      ? undefined
      : (flags.ignorefile ?? DEFAULT_IGNORE_FILES.map((name) => join(cwd, name)).find((p) => existsSync(p)));
  const options: PolicyOptions = {
    ...(flags.severity ? { severities: flags.severity } : {}),
    ...(flags.failOn ? { failOn: flags.failOn } : {}),
    ...(flags.ignoreUnfixed ? { ignoreUnfixed: true } : {}),
    ...(ignorefile ? { ignores: await loadIgnoreFile(ignorefile) } : {}),
    ...(flags.vex?.length ? { vex: await loadVexDocuments(flags.vex) } : {}),
  };
  return Object.keys(options).length > 0 ? options : undefined;
}
