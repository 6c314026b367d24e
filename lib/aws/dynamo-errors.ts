import { PortcullisError } from "../errors.js";

/** A DynamoDB write could not be completed (after retries) or returned something unexpected. */
export class DynamoStoreError extends PortcullisError {
  override name = "DynamoStoreError";
}

/** True for the SDK's ConditionalCheckFailedException, by name so bundling cannot break instanceof. */
export function isConditionalCheckFailed(err: unknown): boolean {
  return err instanceof Error && err.name === "ConditionalCheckFailedException";
}
