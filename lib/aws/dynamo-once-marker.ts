import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { isConditionalCheckFailed } from "./dynamo-errors.js";

/**
 * Puts a marker item only if it is not there yet: true the first time, false for every repeat, so
 * a counter next to it is ADDed once however often an event is delivered.
 */
export async function putMarkerOnce(
  doc: DynamoDBDocumentClient,
  tableName: string,
  item: Record<string, unknown> & { PK: string; SK: string },
): Promise<boolean> {
  try {
    await doc.send(
      new PutCommand({ TableName: tableName, Item: item, ConditionExpression: "attribute_not_exists(PK)" }),
    );
    return true;
  } catch (err) {
    if (isConditionalCheckFailed(err)) return false;
    throw err;
  }
}

/** Deletes a marker; true when there was one (so its count can be taken back). */
export async function deleteMarker(
  doc: DynamoDBDocumentClient,
  tableName: string,
  key: { PK: string; SK: string },
): Promise<boolean> {
  const out = await doc.send(new DeleteCommand({ TableName: tableName, Key: key, ReturnValues: "ALL_OLD" }));
  return out.Attributes !== undefined;
}
