/**
 * Shared by the line-oriented package databases (dpkg status, apk installed): decoding that
 * tolerates CRLF and a byte-order mark, and a warning list that cannot grow without bound.
 */
export function decodeDatabaseText(input: Buffer | string): string {
  let text = typeof input === "string" ? input : input.toString("utf8");
  if (text.includes("\r")) text = text.replace(/\r\n?/g, "\n");
  // A byte-order mark would otherwise glue itself to the first field name.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text;
}

export interface WarningCollector {
  warn(message: string): void;
  /** The collected warnings, with one summary line for those beyond the cap. */
  list(): string[];
}

export function createWarningCollector(max = 20): WarningCollector {
  const warnings: string[] = [];
  let dropped = 0;
  return {
    warn(message) {
      if (warnings.length < max) warnings.push(message);
      else dropped++;
    },
    list() {
      return dropped > 0 ? [...warnings, `${dropped} more warning(s) not shown`] : [...warnings];
    },
  };
}
