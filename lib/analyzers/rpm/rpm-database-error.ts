import { PortcullisError } from "../../errors.js";

/**
 * A structural problem in an rpm database file or header blob. The readers throw it; the database
 * parser catches it and turns it into a warning, keeping the packages read so far.
 */
export class RpmDatabaseError extends PortcullisError {
  override name = "RpmDatabaseError";
}

/** Where the readers report problems that do not stop them (a bad page, a skipped record). */
export type Warn = (message: string) => void;
