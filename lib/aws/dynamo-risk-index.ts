import { type DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { SEVERITY_LEVELS } from "../matching/finding.js";
import { type BatchWriteOptions, batchWriteAll } from "./dynamo-batch-write.js";
import { isConditionalCheckFailed } from "./dynamo-errors.js";
import { buildUpdate } from "./dynamo-update.js";
import { gsi5, ITEM_TYPES, imagePk, META_SK, RISK_ACCOUNT_SK, RISK_REPO_SK } from "./table-design.js";

/** The attribute prefix of per-severity open counts on summary and META items: `open_CRITICAL`. */
export const OPEN_COUNT_PREFIX = "open_";

/** META attributes a list row needs; the risk rows copy exactly these. */
const ROW_ATTRIBUTES = [
  "imageKey",
  "provider",
  "account",
  "region",
  "repository",
  "digest",
  "registry",
  "tags",
  "status",
  "firstSeen",
  "pushedAt",
  "lastScannedAt",
  "openFindings",
  "maxSeverity",
  "risk",
  "supersededBy",
  "supersededAt",
  ...SEVERITY_LEVELS.map((level) => `${OPEN_COUNT_PREFIX}${level}`),
];

/**
 * Puts an active image in GSI5 by its risk: the META item under the fleet's partition, and a
 * copy of its list row under the account's and the repository's. Written after each change of
 * its open findings; a race between two writers leaves rows one write behind until the next.
 */
export async function indexImageRisk(
  doc: DynamoDBDocumentClient,
  tableName: string,
  key: string,
  risk: number,
  batchWrite?: BatchWriteOptions,
): Promise<void> {
  let meta: Record<string, unknown> | undefined;
  const update = buildUpdate({ set: gsi5({}, risk, key) });
  try {
    const out = await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { PK: imagePk(key), SK: META_SK },
        UpdateExpression: update.UpdateExpression,
        ConditionExpression: "#s = :active",
        ExpressionAttributeNames: { ...update.ExpressionAttributeNames, "#s": "status" },
        ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ":active": "active" },
        ReturnValues: "ALL_NEW",
      }),
    );
    meta = out.Attributes;
  } catch (err) {
    if (isConditionalCheckFailed(err)) return; // deleted meanwhile: markDeleted took it out
    throw err;
  }
  if (!meta) return;
  const row: Record<string, unknown> = { type: ITEM_TYPES.riskRow };
  for (const name of ROW_ATTRIBUTES) if (meta[name] !== undefined) row[name] = meta[name];
  const account = String(meta.account);
  const repository = String(meta.repository);
  const requests = [
    { SK: RISK_ACCOUNT_SK, ...gsi5({ account }, risk, key) },
    { SK: RISK_REPO_SK, ...gsi5({ account, repository }, risk, key) },
  ].map((keys) => ({ PutRequest: { Item: { ...row, PK: imagePk(key), ...keys } } }));
  await batchWriteAll(doc, tableName, requests, batchWrite);
}
