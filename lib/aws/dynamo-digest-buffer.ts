import { createHash, randomUUID } from "node:crypto";
import {
  BatchWriteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  type QueryCommandOutput,
} from "@aws-sdk/client-dynamodb";
import type { DigestBuffer } from "../notify/digest-buffer.js";
import type { ImageChange } from "../notify/image-change.js";
import { TTL_ATTRIBUTE } from "./table-design.js";

/** Digest items: `DIGEST#<hash of destination>` / `<windowStart>#<uuid>`, one per held change. */
const PK_PREFIX = "DIGEST#";
/** Findings kept per list of a held change: a digest names three per image; counts stay whole. */
const FINDINGS_KEPT = 20;
/** Held changes expire even if no flush ever comes (a rule removed, a destination renamed). */
const TTL_SECONDS = 7 * 24 * 3600;

/**
 * DigestBuffer on the single table, so digest windows survive between Lambda invocations. Each
 * change is its own item (no read-modify-write races between concurrent notifiers); a window is
 * the items whose sort key starts with its start time.
 */
export class DynamoDigestBuffer implements DigestBuffer {
  constructor(
    private readonly client: Pick<DynamoDBClient, "send">,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async add(destination: string, windowStart: Date, change: ImageChange): Promise<void> {
    const held: ImageChange = {
      ...change,
      newFindings: change.newFindings.slice(0, FINDINGS_KEPT),
      resolvedFindings: change.resolvedFindings.slice(0, FINDINGS_KEPT),
    };
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          PK: { S: pk(destination) },
          SK: { S: `${windowStart.toISOString()}#${randomUUID()}` },
          change: { S: JSON.stringify(held) },
          [TTL_ATTRIBUTE]: { N: String(Math.floor(this.now().getTime() / 1000) + TTL_SECONDS) },
        },
      }),
    );
  }

  async due(
    destination: string,
    before: Date,
  ): Promise<Array<{ windowStart: Date; changes: ImageChange[] }>> {
    const windows = new Map<string, ImageChange[]>();
    let start: QueryCommandOutput["LastEvaluatedKey"];
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "PK = :pk AND SK < :before",
          ExpressionAttributeValues: {
            ":pk": { S: pk(destination) },
            ":before": { S: before.toISOString() },
          },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        const sk = item.SK?.S ?? "";
        const window = sk.slice(0, sk.lastIndexOf("#"));
        const list = windows.get(window) ?? [];
        list.push(JSON.parse(item.change?.S ?? "{}") as ImageChange);
        windows.set(window, list);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return [...windows].map(([window, changes]) => ({ windowStart: new Date(window), changes }));
  }

  async remove(destination: string, windowStart: Date): Promise<void> {
    let start: QueryCommandOutput["LastEvaluatedKey"];
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "PK = :pk AND begins_with(SK, :window)",
          ExpressionAttributeValues: {
            ":pk": { S: pk(destination) },
            ":window": { S: `${windowStart.toISOString()}#` },
          },
          ProjectionExpression: "PK, SK",
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      const keys = (page.Items ?? []).map((item) => ({
        DeleteRequest: { Key: { PK: item.PK, SK: item.SK } },
      }));
      for (let i = 0; i < keys.length; i += 25) {
        let requests = keys.slice(i, i + 25) as NonNullable<
          BatchWriteItemCommand["input"]["RequestItems"]
        >[string];
        for (let attempt = 0; requests.length > 0 && attempt < 5; attempt++) {
          const out = await this.client.send(
            new BatchWriteItemCommand({ RequestItems: { [this.tableName]: requests } }),
          );
          requests = out.UnprocessedItems?.[this.tableName] ?? [];
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }
}

/** Destinations are secret ids or topic ARNs: hashed, so no name reaches a key. */
function pk(destination: string): string {
  return PK_PREFIX + createHash("sha256").update(destination).digest("hex");
}
