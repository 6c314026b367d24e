/** The coordinates Maven writes to META-INF/maven/<groupId>/<artifactId>/pom.properties. */
export interface PomProperties {
  groupId?: string;
  artifactId?: string;
  version?: string;
}

const WANTED = new Set(["groupId", "artifactId", "version"]);

/**
 * A java.util.Properties file as Maven writes it (ISO-8859-1, `\uXXXX` escapes): `#`/`!`
 * comments, `key=value`, `key: value` or `key value`, and backslash-continued lines.
 */
export function parsePomProperties(bytes: Buffer): PomProperties {
  const out: PomProperties = {};
  const lines = bytes.toString("latin1").split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let logical = (lines[i] ?? "").trimStart();
    if (logical === "" || logical.startsWith("#") || logical.startsWith("!")) continue;
    while (endsWithContinuation(logical) && i + 1 < lines.length) {
      logical = logical.slice(0, -1) + (lines[++i] ?? "").trimStart();
    }
    const { key, value } = splitProperty(logical);
    if (WANTED.has(key)) out[key as keyof PomProperties] = value.trim();
  }
  return out;
}

/** An odd number of trailing backslashes continues the line; an even number is escaped text. */
function endsWithContinuation(line: string): boolean {
  let n = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === "\\"; i--) n++;
  return n % 2 === 1;
}

function splitProperty(line: string): { key: string; value: string } {
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === "\\") i += 2;
    else if (c === "=" || c === ":" || c === " " || c === "\t" || c === "\f") break;
    else i++;
  }
  const key = unescapeProperty(line.slice(0, i));
  let j = i;
  while (j < line.length && (line[j] === " " || line[j] === "\t" || line[j] === "\f")) j++;
  if (line[j] === "=" || line[j] === ":") j++;
  while (j < line.length && (line[j] === " " || line[j] === "\t" || line[j] === "\f")) j++;
  return { key, value: unescapeProperty(line.slice(j)) };
}

const ESCAPES: Record<string, string> = { t: "\t", n: "\n", r: "\r", f: "\f" };

function unescapeProperty(s: string): string {
  if (!s.includes("\\")) return s;
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) =>
    e.length === 5 ? String.fromCharCode(Number.parseInt(e.slice(1), 16)) : (ESCAPES[e] ?? e),
  );
}
