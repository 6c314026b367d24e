/**
 * Rows as CSV (RFC 4180: CRLF, quotes doubled). A cell that starts with = + - @ (or a tab or CR)
 * gets a leading ' so a spreadsheet shows it as text instead of running it as a formula: package
 * names and summaries come from scanned images, i.e. from whoever built them.
 */
export function toCsv(rows: readonly Record<string, unknown>[], columns?: readonly string[]): string {
  const header = columns ?? [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const lines = [header.map(cell).join(",")];
  for (const row of rows) lines.push(header.map((name) => cell(flatten(row[name]))).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

function flatten(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return value.map(flatten).join(" ");
  if (typeof value === "object")
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}=${flatten(v)}`)
      .join(" ");
  return String(value);
}

function cell(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
