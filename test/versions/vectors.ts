import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface Row {
  line: number;
  a: string;
  op: "<" | "=" | ">";
  b: string;
}

const DIR = fileURLToPath(new URL("../fixtures/versions/", import.meta.url));

/** Reads "a <op> b" rows; '#' and '//' lines are comments, trailing "\t# ..." comments are dropped. */
export function readVectors(file: string): Row[] {
  const rows: Row[] = [];
  readFileSync(DIR + file, "utf8")
    .split("\n")
    .forEach((raw, i) => {
      const text = raw.replace(/\s+#.*$/, "").trim();
      if (text === "" || text.startsWith("#") || text.startsWith("//")) return;
      const m = /^(\S+) ([<=>]) (\S+)$/.exec(text);
      if (!m) throw new Error(`${file}:${i + 1}: cannot parse ${JSON.stringify(raw)}`);
      rows.push({ line: i + 1, a: m[1] as string, op: m[2] as Row["op"], b: m[3] as string });
    });
  return rows;
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(DIR + file, "utf8")) as T;
}

const REVERSE = { "<": ">", "=": "=", ">": "<" } as const;

function opOf(n: number): Row["op"] {
  return n < 0 ? "<" : n > 0 ? ">" : "=";
}

/** Checks a op b and b reverse(op) a; returns the failing rows as readable strings. */
export function failures(rows: Row[], compare: (a: string, b: string) => number): string[] {
  const out: string[] = [];
  for (const r of rows) {
    const got = opOf(compare(r.a, r.b));
    const back = opOf(compare(r.b, r.a));
    if (got !== r.op || back !== REVERSE[r.op]) {
      out.push(`line ${r.line}: ${r.a} ${r.op} ${r.b} (got ${got}, reverse ${back})`);
    }
  }
  return out;
}
