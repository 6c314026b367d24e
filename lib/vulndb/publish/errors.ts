import { PortcullisError } from "../../errors.js";

/** The new build is refused (schema, counts): the current DB stays published. */
export class DbValidationError extends PortcullisError {
  override name = "DbValidationError";
}

/** Reading or writing the DB bucket failed, or what it holds is not what the updater wrote. */
export class DbPublishError extends PortcullisError {
  override name = "DbPublishError";
}
