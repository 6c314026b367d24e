import { decodeDatabaseText } from "../text-database.js";

const DEFINE =
  /^#define NODE_(MAJOR_VERSION|MINOR_VERSION|PATCH_VERSION|VERSION_IS_RELEASE)[ \t]+(\d{1,9})[ \t]*$/gm;

/**
 * The Node.js version from `node_version.h`'s NODE_MAJOR/MINOR/PATCH_VERSION defines, as
 * `process.version` prints it without the "v". A header with NODE_VERSION_IS_RELEASE 0 belongs
 * to a pre-release build, which node tags "-pre".
 */
export function parseNodeVersionHeader(input: Buffer | string): string | undefined {
  const text = decodeDatabaseText(input);
  const values = new Map<string, string>();
  for (const match of text.matchAll(DEFINE)) {
    const [, key, value] = match as unknown as [string, string, string];
    if (!values.has(key)) values.set(key, value);
  }
  const major = values.get("MAJOR_VERSION");
  const minor = values.get("MINOR_VERSION");
  const patch = values.get("PATCH_VERSION");
  if (major === undefined || minor === undefined || patch === undefined) return undefined;
  const version = `${Number(major)}.${Number(minor)}.${Number(patch)}`;
  return values.get("VERSION_IS_RELEASE") === "0" ? `${version}-pre` : version;
}
