/** A cell, with an optional style applied after padding so ANSI codes never skew the widths. */
export type Cell = string | { text: string; style: (s: string) => string };

/** Aligned plain-text columns, two spaces apart, indented by two, with a rule under the header. */
export function renderTable(headers: string[], rows: Cell[][], bold: (s: string) => string): string[] {
  const text = (c: Cell | undefined) => printable(c === undefined ? "" : typeof c === "string" ? c : c.text);
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => text(r[i]).length)));
  const line = (cells: Cell[]) =>
    `  ${cells
      .map((c, i) => {
        const padded = text(c).padEnd(widths[i] ?? 0);
        return typeof c === "string" ? padded : c.style(padded);
      })
      .join("  ")}`.trimEnd();
  return [bold(line(headers)), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

/** The first line of a text, cut to `max` characters with an ellipsis. */
export function truncate(text: string, max: number): string {
  const line = text.split("\n")[0] ?? "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Text from the image with control characters (ANSI escapes included) made visible and harmless. */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
}
