import { PortcullisError } from "../../errors.js";

/**
 * The vulnerability DB file is missing, truncated, corrupt, of another format version, or its
 * transport failed. Readers surface it per lookup; callers decide whether scanning goes on.
 */
export class VulnDbError extends PortcullisError {
  override name = "VulnDbError";
}
