/** The main section of a JAR manifest (META-INF/MANIFEST.MF). */
export interface JarManifest {
  /** Attribute values keyed by lower-cased name: manifest attribute names are case-insensitive. */
  main: Map<string, string>;
}

/**
 * Parses the main section per the JAR File Specification: "Name: value" lines, a line starting
 * with one space continues the previous value, and the first blank line ends the section. Lines
 * are wrapped at 72 bytes, which can split a UTF-8 character, so continuations are joined as
 * bytes (latin1) and each value is decoded as UTF-8 afterwards.
 */
export function parseManifest(bytes: Buffer): JarManifest {
  let text = bytes.toString("latin1");
  if (text.startsWith("\xef\xbb\xbf")) text = text.slice(3);
  const raw = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === "") {
      // Tolerate leading blank lines; any later one ends the main section.
      if (raw.size > 0) break;
      continue;
    }
    if (line.startsWith(" ")) {
      if (last !== undefined) raw.set(last, `${raw.get(last) ?? ""}${line.slice(1)}`);
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) {
      last = undefined;
      continue;
    }
    last = line.slice(0, colon).trim().toLowerCase();
    raw.set(last, line.slice(colon + 1));
  }
  const main = new Map<string, string>();
  for (const [name, value] of raw) main.set(name, Buffer.from(value, "latin1").toString("utf8").trim());
  return { main };
}
