import { PortcullisError } from "../errors.js";

/** An ignore file, VEX document or policy configuration is unreadable or malformed (exit code 2). */
export class PolicyError extends PortcullisError {
  override name = "PolicyError";
}
