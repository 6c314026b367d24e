const SIMPLE_ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  "'": "'",
  '"': '"',
};

/**
 * The length of the Go-quoted string ("..." or `...`) at the start of `s` (strconv.QuotedPrefix),
 * or undefined when it is not terminated.
 */
export function goQuotedPrefixLength(s: string): number | undefined {
  const quote = s[0];
  if (quote === "`") {
    const end = s.indexOf("`", 1);
    return end === -1 ? undefined : end + 1;
  }
  if (quote !== '"') return undefined;
  for (let i = 1; i < s.length; i++) {
    if (s[i] === "\\") i++;
    else if (s[i] === '"') return i + 1;
    else if (s[i] === "\n") return undefined;
  }
  return undefined;
}

/**
 * strconv.Unquote for the double-quoted and back-quoted forms that build settings use; undefined
 * for anything malformed. `\x` escapes are bytes in Go: they are decoded as UTF-8 together.
 */
export function goUnquote(s: string): string | undefined {
  if (s.length >= 2 && s[0] === "`" && s[s.length - 1] === "`") {
    const inner = s.slice(1, -1);
    return inner.includes("`") ? undefined : inner.replaceAll("\r", "");
  }
  if (s.length < 2 || s[0] !== '"' || s[s.length - 1] !== '"') return undefined;
  const bytes: number[] = [];
  const pushText = (text: string) => bytes.push(...Buffer.from(text, "utf8"));
  for (let i = 1; i < s.length - 1; i++) {
    const c = s[i] as string;
    if (c === '"' || c === "\n") return undefined;
    if (c !== "\\") {
      // Keep surrogate pairs together so astral characters survive the UTF-8 round trip.
      const code = s.codePointAt(i) ?? 0;
      const ch = String.fromCodePoint(code);
      pushText(ch);
      i += ch.length - 1;
      continue;
    }
    const e = s[++i];
    if (e === undefined || i >= s.length - 1) return undefined;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      pushText(simple);
      continue;
    }
    const hex = (n: number) => {
      const digits = s.slice(i + 1, i + 1 + n);
      if (digits.length !== n || !/^[0-9a-fA-F]+$/.test(digits)) return undefined;
      i += n;
      return Number.parseInt(digits, 16);
    };
    if (e === "x") {
      const v = hex(2);
      if (v === undefined) return undefined;
      bytes.push(v);
    } else if (e === "u" || e === "U") {
      const v = hex(e === "u" ? 4 : 8);
      if (v === undefined || v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) return undefined;
      pushText(String.fromCodePoint(v));
    } else if (e >= "0" && e <= "7") {
      const digits = s.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(digits)) return undefined;
      const v = Number.parseInt(digits, 8);
      if (v > 255) return undefined;
      bytes.push(v);
      i += 2;
    } else {
      return undefined;
    }
  }
  return Buffer.from(bytes).toString("utf8");
}
