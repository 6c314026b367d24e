import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Copies an image with the real skopeo; plain HTTP to the test registries on loopback. */
export async function skopeoCopy(
  from: string,
  to: string,
  options: { creds?: string; format?: "oci" | "v2s2"; all?: boolean } = {},
): Promise<void> {
  const args = ["copy", "--quiet", "--src-tls-verify=false", "--dest-tls-verify=false"];
  // Only docker:// endpoints take TLS flags; skopeo refuses them for other transports.
  if (!from.startsWith("docker://")) args.splice(args.indexOf("--src-tls-verify=false"), 1);
  if (!to.startsWith("docker://")) args.splice(args.indexOf("--dest-tls-verify=false"), 1);
  if (options.creds) args.push("--dest-creds", options.creds);
  if (options.format) args.push("--format", options.format);
  if (options.all) args.push("--all");
  args.push(from, to);
  await run("skopeo", args, { timeout: 60_000 });
}
