/** One challenge of a WWW-Authenticate header (RFC 9110 section 11.6.1). */
export interface AuthChallenge {
  /** Lower-cased scheme, e.g. "bearer" or "basic". */
  scheme: string;
  /** Parameters with lower-cased names; quoted values unescaped. */
  params: Record<string, string>;
}

const TOKEN_CHARS = /[^\s,="]/;

/**
 * Parses all challenges in a WWW-Authenticate header value. Lenient by design: registries send
 * slightly malformed headers, and a partial parse is more useful than none.
 */
export function parseWwwAuthenticate(header: string | null | undefined): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  if (!header) return challenges;
  const s = header;
  let i = 0;

  const skipSpaces = () => {
    while (i < s.length && (s[i] === " " || s[i] === "\t")) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < s.length && TOKEN_CHARS.test(s[i] as string)) i++;
    return s.slice(start, i);
  };
  const readQuoted = (): string => {
    i++; // opening quote
    let out = "";
    while (i < s.length && s[i] !== '"') {
      if (s[i] === "\\" && i + 1 < s.length) i++;
      out += s[i];
      i++;
    }
    i++; // closing quote (or end of input)
    return out;
  };

  while (i < s.length) {
    while (i < s.length && (s[i] === "," || /\s/.test(s[i] as string))) i++;
    const scheme = readToken();
    if (scheme === "") {
      i++; // skip a stray character rather than loop forever
      continue;
    }
    const challenge: AuthChallenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);

    for (;;) {
      skipSpaces();
      const save = i;
      const name = readToken();
      skipSpaces();
      if (name === "" || s[i] !== "=") {
        // Not a parameter: the start of the next challenge (or a token68 we do not need).
        i = save;
        break;
      }
      i++; // "="
      skipSpaces();
      const value = s[i] === '"' ? readQuoted() : readUnquoted();
      challenge.params[name.toLowerCase()] = value;
      skipSpaces();
      if (s[i] === ",") {
        i++;
        continue;
      }
      break;
    }
  }
  return challenges;

  function readUnquoted(): string {
    const start = i;
    while (i < s.length && s[i] !== "," && !/\s/.test(s[i] as string)) i++;
    return s.slice(start, i);
  }
}

/** The challenge we can answer best: Bearer (token auth) before Basic. */
export function pickChallenge(challenges: AuthChallenge[]): AuthChallenge | undefined {
  return challenges.find((c) => c.scheme === "bearer") ?? challenges.find((c) => c.scheme === "basic");
}
