import { PortcullisError } from "../../errors.js";

/** An input file cannot be imported at all: missing, unreadable, of an unknown format, over a cap. */
export class ImportError extends PortcullisError {
  override name = "ImportError";
}
