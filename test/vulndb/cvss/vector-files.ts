import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const fixtures = fileURLToPath(new URL("../../fixtures/cvss/", import.meta.url));

export interface VectorRow {
  line: number;
  vector: string;
  /** The expected scores in file order; undefined where the file says None. */
  expected: (number | undefined)[];
}

/** Reads a RedHat vector file: "vector - (a, b, c)", "vector - (a,)" or "vector - a". */
export function readVectorFile(name: string): VectorRow[] {
  const lines = readFileSync(`${fixtures}${name}`, "utf8").split("\n");
  const rows: VectorRow[] = [];
  lines.forEach((text, index) => {
    if (text.trim() === "") return;
    const at = text.lastIndexOf(" - ");
    const expected = text
      .slice(at + 3)
      .replace(/[()]/g, "")
      .split(",")
      .map((value) => value.trim())
      .filter((value) => value !== "")
      // "+ 0" because the v2 file writes a zero base score as -0.0.
      .map((value) => (value === "None" ? undefined : Number(value) + 0));
    rows.push({ line: index + 1, vector: text.slice(0, at), expected });
  });
  return rows;
}

export interface MacroScoreRow {
  vector: string;
  score: number;
  severity: string;
}

/** FIRST's macro-scores, one representative vector per MacroVector. */
export function readMacroScores(): MacroScoreRow[] {
  return readFileSync(`${fixtures}first-macro-scores.jsonl`, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as MacroScoreRow);
}

/** Runs score over every row and returns the rows that differ, so a failure lists them all at once. */
export function mismatches(
  rows: VectorRow[],
  score: (vector: string) => (number | undefined)[] | undefined,
): string[] {
  const failed: string[] = [];
  for (const row of rows) {
    const actual = score(row.vector);
    const same =
      actual !== undefined &&
      actual.length === row.expected.length &&
      actual.every((value, index) => value === row.expected[index]);
    if (!same) failed.push(`line ${row.line}: ${row.vector} expected ${row.expected} got ${actual}`);
  }
  return failed;
}
