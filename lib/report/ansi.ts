import type { SeverityLevel } from "../matching/finding.js";

/** ANSI styling that becomes the identity when colours are off, so callers never branch. */
export interface Palette {
  bold(s: string): string;
  dim(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  red(s: string): string;
  severity(level: SeverityLevel, s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;

const SEVERITY_STYLE: Record<SeverityLevel, (s: string) => string> = {
  CRITICAL: (s) => wrap(1, 22)(wrap(31, 39)(s)),
  HIGH: wrap(31, 39),
  MEDIUM: wrap(33, 39),
  LOW: wrap(34, 39),
  NEGLIGIBLE: wrap(2, 22),
  UNKNOWN: wrap(2, 22),
};

export function palette(color: boolean): Palette {
  const id = (s: string) => s;
  if (!color) return { bold: id, dim: id, yellow: id, green: id, red: id, severity: (_, s) => s };
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    yellow: wrap(33, 39),
    green: wrap(32, 39),
    red: wrap(31, 39),
    severity: (level, s) => SEVERITY_STYLE[level](s),
  };
}
