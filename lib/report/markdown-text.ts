/**
 * Text from the image (package names, versions, paths, messages) is untrusted: it must not open
 * links, images, HTML, table cells or emphasis in a markdown document, nor mention users.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\r?\n|\r/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[\\`*_{}[\]()#+\-.!|~@:]/g, "\\$&");
}

/**
 * Untrusted text as an inline code span, safe inside a table cell: a fence longer than any
 * backtick run inside, newlines flattened, and "|" escaped (GFM splits cells even in code).
 */
export function codeSpan(text: string): string {
  const flat = text.replace(/\r?\n|\r/g, " ").replace(/\|/g, "\\|");
  if (flat === "") return "";
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") || longest > 0 ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** A URL as a markdown link destination: characters that would end or break it are percent-encoded. */
export function linkDestination(url: string): string {
  return url.replace(
    /[()<>\s|[\]`"]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
  );
}

/** Text inside raw HTML (a <summary>), where markdown escapes would show as backslashes. */
export function escapeHtml(text: string): string {
  return text
    .replace(/\r?\n|\r/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/@/g, "&#64;");
}
