import type { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";
import type { Logger } from "../lib/logger.js";

/** lib/ logs through its small port; in Lambda that port writes structured JSON via Powertools. */
export function loggerPort(logger: PowertoolsLogger): Logger {
  return {
    debug: (message, fields) => (fields ? logger.debug(message, fields) : logger.debug(message)),
    info: (message, fields) => (fields ? logger.info(message, fields) : logger.info(message)),
    warn: (message, fields) => (fields ? logger.warn(message, fields) : logger.warn(message)),
    error: (message, fields) => (fields ? logger.error(message, fields) : logger.error(message)),
  };
}
