/** A mapping read from the block-style YAML subset that pnpm and yarn berry write. */
export type YamlMap = Map<string, YamlNode>;
export type YamlNode = string | YamlMap;

/**
 * Reads the YAML that lockfile writers emit: nested block mappings by indentation, plain or
 * quoted keys and scalars, flow values (`{integrity: …}`, `[x64]`) kept as raw text, and block
 * sequence items skipped (no lockfile field read here is a sequence). Not a YAML parser: no
 * anchors, tags, multi-line scalars or documents; one linear pass, so a hostile file costs its
 * length. Malformed lines are counted, not thrown.
 */
export function parseYamlSubset(text: string): { root: YamlMap; malformed: number } {
  const root: YamlMap = new Map();
  const stack: Array<{ indent: number; map: YamlMap }> = [{ indent: -1, map: root }];
  let malformed = 0;
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf("\n", pos);
    if (end === -1) end = text.length;
    const line = text.slice(pos, end);
    pos = end + 1;

    let indent = 0;
    while (line.charCodeAt(indent) === 32) indent++;
    const content = line.slice(indent).trimEnd();
    if (content === "" || content.startsWith("#") || content.startsWith("- ") || content === "-") continue;

    const entry = splitEntry(content);
    if (!entry) {
      malformed++;
      continue;
    }
    while ((stack[stack.length - 1] as { indent: number }).indent >= indent) stack.pop();
    const parent = (stack[stack.length - 1] as { map: YamlMap }).map;
    if (entry.value === undefined) {
      const child: YamlMap = new Map();
      parent.set(entry.key, child);
      stack.push({ indent, map: child });
    } else {
      parent.set(entry.key, entry.value);
    }
  }
  return { root, malformed };
}

/** `key: value`, `key:` (a nested mapping follows) or `"quoted key": value`. */
function splitEntry(content: string): { key: string; value?: string } | undefined {
  let key: string;
  let rest: string;
  const quote = content.charAt(0);
  if (quote === '"' || quote === "'") {
    const quoted = readQuoted(content, 0);
    if (!quoted || content.charAt(quoted.end) !== ":") return undefined;
    key = quoted.value;
    rest = content.slice(quoted.end + 1);
  } else {
    const colon = content.indexOf(": ");
    if (colon > 0) {
      key = content.slice(0, colon);
      rest = content.slice(colon + 1);
    } else if (content.endsWith(":") && content.length > 1) {
      key = content.slice(0, -1);
      rest = "";
    } else {
      return undefined;
    }
  }
  const value = rest.trim();
  if (value === "" || value.startsWith("#")) return { key };
  return { key, value: unquote(value) };
}

/** A quoted scalar's text; plain and flow scalars are returned as written. */
export function unquote(value: string): string {
  const quote = value.charAt(0);
  if (quote !== '"' && quote !== "'") return value;
  const quoted = readQuoted(value, 0);
  return quoted ? quoted.value : value;
}

/** Reads a single- ('' escapes ') or double-quoted (backslash escapes) scalar starting at `start`. */
function readQuoted(text: string, start: number): { value: string; end: number } | undefined {
  const quote = text.charAt(start);
  let value = "";
  let i = start + 1;
  while (i < text.length) {
    const c = text.charAt(i);
    if (c === quote) {
      if (quote === "'" && text.charAt(i + 1) === "'") {
        value += "'";
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    if (c === "\\" && quote === '"' && i + 1 < text.length) {
      value += text.charAt(i + 1);
      i += 2;
      continue;
    }
    value += c;
    i++;
  }
  return undefined;
}
