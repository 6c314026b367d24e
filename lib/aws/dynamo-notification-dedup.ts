import { DeleteItemCommand, type DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import type { NotificationDedupStore } from "../notify/notification-dedup.js";
import { isConditionalCheckFailed } from "./dynamo-errors.js";
import { TTL_ATTRIBUTE } from "./table-design.js";

/** Dedup items: `NOTIFIED#<key>` / `NOTIFIED`, removed by TTL when the key expires. */
const PK_PREFIX = "NOTIFIED#";
const SK = "NOTIFIED";
/** Claims in flight at once: enough to be quick, few enough not to trip throttling. */
const PARALLEL_CLAIMS = 16;

/**
 * NotificationDedupStore on the single table. Each claim is a conditional put, so of two
 * deliveries of one event racing each other exactly one wins each key. (BatchWriteItem cannot
 * carry a condition.)
 */
export class DynamoNotificationDedup implements NotificationDedupStore {
  constructor(
    private readonly client: Pick<DynamoDBClient, "send">,
    private readonly tableName: string,
  ) {}

  async claim(keys: readonly string[], expiresAt: Date): Promise<Set<string>> {
    const claimed = new Set<string>();
    const ttl = String(Math.ceil(expiresAt.getTime() / 1000));
    const nowSeconds = String(Math.floor(Date.now() / 1000));
    await inBatches(keys, async (key) => {
      try {
        await this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: { PK: { S: PK_PREFIX + key }, SK: { S: SK }, [TTL_ATTRIBUTE]: { N: ttl } },
            // An expired item may linger until DynamoDB's TTL sweep removes it: it no longer counts.
            ConditionExpression: "attribute_not_exists(PK) OR #ttl < :now",
            ExpressionAttributeNames: { "#ttl": TTL_ATTRIBUTE },
            ExpressionAttributeValues: { ":now": { N: nowSeconds } },
          }),
        );
        claimed.add(key);
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw err;
      }
    });
    return claimed;
  }

  async release(keys: readonly string[]): Promise<void> {
    await inBatches(keys, async (key) => {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { PK: { S: PK_PREFIX + key }, SK: { S: SK } },
        }),
      );
    });
  }
}

async function inBatches(keys: readonly string[], run: (key: string) => Promise<void>): Promise<void> {
  for (let i = 0; i < keys.length; i += PARALLEL_CLAIMS) {
    await Promise.all(keys.slice(i, i + PARALLEL_CLAIMS).map(run));
  }
}
