/**
 * Normalises a tar entry name to an image path with no leading slash, resolving "." and ".."
 * lexically. Returns undefined when the path would climb above the root: such entries are never
 * analysed or applied (a layer cannot write outside the image).
 */
export function normalizeTarPath(name: string): string | undefined {
  const parts: string[] = [];
  for (const segment of name.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (parts.length === 0) return undefined;
      parts.pop();
      continue;
    }
    parts.push(segment);
  }
  return parts.join("/");
}

/** Resolves a symlink target relative to the link's directory, inside the image root. */
export function resolveLinkTarget(linkPath: string, target: string): string | undefined {
  if (target.startsWith("/")) return normalizeTarPath(target);
  const dir = linkPath.includes("/") ? linkPath.slice(0, linkPath.lastIndexOf("/")) : "";
  return normalizeTarPath(`${dir}/${target}`);
}

export const WHITEOUT_PREFIX = ".wh.";
export const OPAQUE_MARKER = ".wh..wh..opq";

export type WhiteoutKind = { kind: "opaque"; dir: string } | { kind: "whiteout"; path: string };

/** OCI whiteouts: ".wh.<name>" deletes <name>; ".wh..wh..opq" hides everything below its dir. */
export function classifyWhiteout(path: string): WhiteoutKind | undefined {
  const slash = path.lastIndexOf("/");
  const base = slash < 0 ? path : path.slice(slash + 1);
  if (!base.startsWith(WHITEOUT_PREFIX)) return undefined;
  const dir = slash < 0 ? "" : path.slice(0, slash);
  if (base === OPAQUE_MARKER) return { kind: "opaque", dir };
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === "" || name === "." || name === "..") return undefined;
  return { kind: "whiteout", path: dir ? `${dir}/${name}` : name };
}
