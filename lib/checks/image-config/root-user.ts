import type { MisconfigurationFinding } from "../types.js";
import type { CheckContext } from "./input.js";

export const ROOT_USER_ID = "PCIMG-001";

/**
 * USER is "user[:group]"; only the user part decides who the process runs as, so "1000:0" is
 * not root while "0:1000" is. An empty or absent USER means root.
 */
export function isRootUser(user: string | undefined): boolean {
  const name = (user ?? "").trim().split(":")[0]?.trim() ?? "";
  return name === "" || name === "root" || /^0+$/.test(name);
}

export function checkRootUser({ config, history }: CheckContext): MisconfigurationFinding | undefined {
  const user = config.config?.User;
  if (!isRootUser(user)) return undefined;
  const setBy = history.filter((step) => step.instruction === "USER").at(-1);
  const evidence = [user === undefined || user.trim() === "" ? "User is not set" : `User: "${user}"`];
  if (setBy !== undefined) evidence.push(`history[${setBy.index}]: USER ${setBy.args}`);
  return {
    id: ROOT_USER_ID,
    title: "Image runs as root",
    severity: "HIGH",
    message:
      user === undefined || user.trim() === ""
        ? "The image config sets no USER, so containers run as root."
        : `The image config sets USER "${user}", so containers run as root.`,
    remediation:
      "Create an unprivileged user in the Dockerfile (e.g. RUN useradd -r -u 10001 app) and end with USER 10001 (or USER app).",
    evidence,
    cis: ["4.1"],
  };
}
