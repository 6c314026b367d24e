import type { OperatingSystem } from "../../inventory/package.js";

/**
 * Parses os-release(5): `KEY=value` lines, values optionally in single or double quotes, shell-style
 * backslash escapes, `#` comments. Malformed lines are skipped, never fatal. A Map (not an object)
 * so that keys such as `__proto__` in a hostile file stay plain data.
 */
export function parseOsRelease(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    if (!isShellName(key)) continue;
    const value = parseValue(line.slice(eq + 1));
    if (value !== undefined) fields.set(key, value);
  }
  return fields;
}

function isShellName(key: string): boolean {
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
    if (!letter && !(i > 0 && c >= 48 && c <= 57)) return false;
  }
  return key.length > 0;
}

/** Returns undefined for an unterminated quote: such a line is malformed and ignored. */
function parseValue(rest: string): string | undefined {
  const quote = rest[0];
  if (quote === "'") {
    // Single quotes take everything literally, as in the shell.
    const end = rest.indexOf("'", 1);
    return end === -1 ? undefined : rest.slice(1, end);
  }
  const quoted = quote === '"';
  let out = "";
  for (let i = quoted ? 1 : 0; i < rest.length; i++) {
    const ch = rest[i] as string;
    if (ch === "\\" && i + 1 < rest.length) {
      const next = rest[++i] as string;
      // Inside double quotes the shell keeps the backslash unless it escapes one of $ ` " \.
      out += quoted && !'$`"\\'.includes(next) ? `\\${next}` : next;
    } else if (quoted && ch === '"') {
      return out;
    } else if (!quoted && (ch === " " || ch === "\t")) {
      // An unquoted value ends at whitespace; whatever follows is a comment or junk.
      return out;
    } else {
      out += ch;
    }
  }
  return quoted ? undefined : out;
}

/** Some distributions' os-release ID differs from the family key advisories use. */
const FAMILY_ALIASES: ReadonlyMap<string, string> = new Map([
  ["mariner", "cbl-mariner"],
  // openSUSE 42.x and 13.x said ID="opensuse"; Leap 15 says "opensuse-leap".
  ["opensuse", "opensuse-leap"],
]);

export function familyFromId(id: string): string {
  const lower = id.trim().toLowerCase();
  return FAMILY_ALIASES.get(lower) ?? lower;
}

/** Builds the OperatingSystem from parsed os-release fields; undefined without an ID. */
export function osFromOsRelease(fields: ReadonlyMap<string, string>): OperatingSystem | undefined {
  const id = fields.get("ID");
  if (id === undefined || id.trim() === "") return undefined;
  const family = familyFromId(id);
  const os: OperatingSystem = { family };
  setIfPresent(os, "name", fields.get("NAME"));
  setIfPresent(os, "version", fields.get("VERSION"));
  setIfPresent(os, "versionId", fields.get("VERSION_ID"));
  setIfPresent(os, "prettyName", fields.get("PRETTY_NAME"));
  setIfPresent(os, "codename", codenameOf(family, fields));
  return os;
}

function codenameOf(family: string, fields: ReadonlyMap<string, string>): string | undefined {
  // An empty VERSION_CODENAME (Fedora writes one) still means "no codename": no guessing.
  if (fields.has("VERSION_CODENAME")) return fields.get("VERSION_CODENAME");
  if (fields.has("UBUNTU_CODENAME")) return fields.get("UBUNTU_CODENAME");
  // Debian 8 and older have only VERSION="8 (jessie)". Other families put release names or
  // variants ("39 (Container Image)") in the parentheses, so only Debian is parsed.
  if (family === "debian") return parenthesised(fields.get("VERSION") ?? "");
  return undefined;
}

/** "12 (bookworm)" → "bookworm". */
export function parenthesised(text: string): string | undefined {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open === -1 || close <= open) return undefined;
  return text.slice(open + 1, close).trim() || undefined;
}

/** Sets a field only when the value is non-empty, keeping results free of `undefined` keys. */
export function setIfPresent<K extends keyof OperatingSystem>(
  os: OperatingSystem,
  key: K,
  value: OperatingSystem[K] | undefined,
): void {
  if (value !== undefined && value !== "") os[key] = value;
}
