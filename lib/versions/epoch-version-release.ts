import { isDigits } from "./digits.js";

/**
 * `[epoch:]version[-release]`, as dpkg (upstream-revision) and rpm (version-release) write it: the
 * epoch is the digits before the first colon (0 when absent), the release what follows the last '-'.
 */
export function splitEpochVersionRelease(v: string): {
  epoch: string;
  version: string;
  release: string | undefined;
} {
  const s = v.trim();
  let rest = s;
  let epoch = "0";
  const colon = s.indexOf(":");
  if (colon > 0 && isDigits(s.slice(0, colon))) {
    epoch = s.slice(0, colon);
    rest = s.slice(colon + 1);
  }
  const dash = rest.lastIndexOf("-");
  if (dash >= 0) return { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) };
  return { epoch, version: rest, release: undefined };
}
