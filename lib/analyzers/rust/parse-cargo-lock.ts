/** A `[[package]]` entry of Cargo.lock. */
export interface CargoLockPackage {
  name: string;
  version: string;
  /** "registry+https://...", "sparse+https://...", "git+https://...#rev"; absent for workspace crates. */
  source?: string;
  checksum?: string;
}

type Value = string | undefined;

/** Cargo.lock nests nothing deeper than an array of strings; more is not a lock file. */
const MAX_DEPTH = 16;

/**
 * Reads the subset of TOML that Cargo.lock uses (tables, arrays of tables, strings, arrays,
 * comments) and returns its `[[package]]` entries. Not a general TOML parser: values other than
 * strings are skipped, and at the first syntax error it stops with a warning, keeping what it read.
 */
export function parseCargoLock(text: string): { packages: CargoLockPackage[]; warnings: string[] } {
  const packages: CargoLockPackage[] = [];
  const warnings: string[] = [];
  const s = new Scanner(text);
  let current: Record<string, Value> | undefined;
  const flush = () => {
    if (!current) return;
    const { name, version, source, checksum } = current;
    if (name && version) {
      packages.push({
        name,
        version,
        ...(source !== undefined ? { source } : {}),
        ...(checksum !== undefined ? { checksum } : {}),
      });
    } else {
      warnings.push("Cargo.lock: a [[package]] entry without name or version was skipped");
    }
    current = undefined;
  };
  try {
    for (;;) {
      s.skipBlank(true);
      if (s.done()) break;
      if (s.peek() === "[") {
        flush();
        const header = s.tableHeader();
        current = header === "[[package]]" ? {} : undefined;
        s.endOfLine();
        continue;
      }
      const key = s.key();
      s.skipBlank(false);
      s.expect("=");
      s.skipBlank(false);
      const value = s.value(0);
      s.endOfLine();
      if (current && !(key in current)) current[key] = value;
    }
    flush();
  } catch (err) {
    flush();
    warnings.push(`Cargo.lock: ${err instanceof Error ? err.message : String(err)}; the rest was not read`);
  }
  return { packages, warnings };
}

class Scanner {
  private pos = 0;
  private line = 1;

  constructor(private readonly text: string) {}

  done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string | undefined {
    return this.text[this.pos];
  }

  private fail(message: string): never {
    throw new Error(`line ${this.line}: ${message}`);
  }

  /** Skips spaces and comments, and newlines too when `newlines`. */
  skipBlank(newlines: boolean): void {
    while (!this.done()) {
      const c = this.text[this.pos];
      if (c === " " || c === "\t" || c === "\r") this.pos++;
      else if (c === "#") {
        while (!this.done() && this.text[this.pos] !== "\n") this.pos++;
      } else if (c === "\n" && newlines) {
        this.pos++;
        this.line++;
      } else break;
    }
  }

  expect(c: string): void {
    if (this.text[this.pos] !== c) this.fail(`expected "${c}"`);
    this.pos++;
  }

  endOfLine(): void {
    this.skipBlank(false);
    if (this.done()) return;
    if (this.text[this.pos] !== "\n") this.fail("unexpected text after a value");
    this.pos++;
    this.line++;
  }

  tableHeader(): string {
    const end = this.text.indexOf("\n", this.pos);
    const line = this.text.slice(this.pos, end === -1 ? undefined : end);
    const m = /^(\[\[?)\s*([A-Za-z0-9_.-]+)\s*(\]\]?)/.exec(line);
    if (!m || (m[1] as string).length !== (m[3] as string).length) this.fail("malformed table header");
    this.pos += m[0].length;
    return m[1] === "[[" ? `[[${m[2]}]]` : `[${m[2]}]`;
  }

  key(): string {
    const c = this.text[this.pos];
    if (c === '"' || c === "'") return this.string();
    const m = /^[A-Za-z0-9_-]+/.exec(this.text.slice(this.pos, this.pos + 256));
    if (!m) this.fail("expected a key");
    this.pos += m[0].length;
    return m[0];
  }

  /** A string's value; other values (arrays, numbers, booleans, inline tables) are skipped. */
  value(depth: number): Value {
    if (depth > MAX_DEPTH) this.fail("values nested too deeply");
    const c = this.text[this.pos];
    if (c === '"' || c === "'") return this.string();
    if (c === "[" || c === "{") {
      const close = c === "[" ? "]" : "}";
      this.pos++;
      for (;;) {
        this.skipBlank(true);
        if (this.done()) this.fail(`unterminated ${c}`);
        if (this.text[this.pos] === close) {
          this.pos++;
          return undefined;
        }
        if (c === "{") {
          this.key();
          this.skipBlank(false);
          this.expect("=");
          this.skipBlank(false);
        }
        this.value(depth + 1);
        this.skipBlank(true);
        if (this.text[this.pos] === ",") this.pos++;
        else if (this.text[this.pos] !== close) this.fail(`expected "," or "${close}"`);
      }
    }
    const m = /^[A-Za-z0-9_.:+-]+/.exec(this.text.slice(this.pos, this.pos + 256));
    if (!m) this.fail("expected a value");
    this.pos += m[0].length;
    return undefined;
  }

  private string(): string {
    const quote = this.text[this.pos] as string;
    if (this.text.startsWith(quote.repeat(3), this.pos))
      this.fail("multi-line strings are not used in Cargo.lock");
    this.pos++;
    let out = "";
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined || c === "\n") this.fail("unterminated string");
      this.pos++;
      if (c === quote) return out;
      if (c !== "\\" || quote === "'") {
        out += c;
        continue;
      }
      out += this.escape();
    }
  }

  private escape(): string {
    const e = this.text[this.pos++];
    const simple: Record<string, string> = {
      b: "\b",
      t: "\t",
      n: "\n",
      f: "\f",
      r: "\r",
      '"': '"',
      "\\": "\\",
    };
    if (e !== undefined && simple[e] !== undefined) return simple[e];
    if (e === "u" || e === "U") {
      const n = e === "u" ? 4 : 8;
      const hex = this.text.slice(this.pos, this.pos + n);
      const code = /^[0-9a-fA-F]+$/.test(hex) && hex.length === n ? Number.parseInt(hex, 16) : Number.NaN;
      if (!(code <= 0x10ffff) || (code >= 0xd800 && code < 0xe000)) this.fail("invalid unicode escape");
      this.pos += n;
      return String.fromCodePoint(code);
    }
    return this.fail("invalid escape in string");
  }
}
