import type { Logger } from "../lib/logger.js";

/** Warnings and errors to stderr; debug and info only with PORTCULLIS_DEBUG set. */
export function stderrLogger(verbose = Boolean(process.env.PORTCULLIS_DEBUG)): Logger {
  const write = (level: string, message: string, fields?: Record<string, unknown>) => {
    const extra = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : "";
    process.stderr.write(`portcullis: ${level}: ${message}${extra}\n`);
  };
  return {
    debug: (m, f) => verbose && write("debug", m, f),
    info: (m, f) => verbose && write("info", m, f),
    warn: (m, f) => write("warning", m, f),
    error: (m, f) => write("error", m, f),
  };
}
