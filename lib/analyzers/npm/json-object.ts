import { decodeDatabaseText } from "../text-database.js";

/** The file as a JSON object, or undefined after a warning (never a throw). */
export function parseObject(
  bytes: Buffer,
  warn: (message: string) => void,
): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(decodeDatabaseText(bytes));
  } catch {
    // The engine's message quotes the input, which may be binary junk: keep it out of reports.
    warn("not valid JSON; skipped");
    return undefined;
  }
  if (!isObject(value)) {
    warn("not a JSON object; skipped");
    return undefined;
  }
  return value;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Keeps a warning short when a file holds a huge string where a name belongs. */
export function clip(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
