import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
} from "@aws-sdk/lib-dynamodb";
import { DynamoStoreError } from "./dynamo-errors.js";
import { activityPk, ITEM_TYPES, imagePk, META_SK, TTL_ATTRIBUTE } from "./table-design.js";

const DAY_MS = 86_400_000;
/** BatchGetItem takes at most 100 keys. */
const BATCH_GET_LIMIT = 100;

export interface ImageActivityOptions {
  /** How long an activity item lives; keep it longer than any re-match window in use. */
  retentionDays?: number;
}

/** Which images were pushed or pulled recently: one partition per UTC day, read by Query. */
export interface ImageActivityReader {
  /** Active (not deleted) images with activity from `since` to `until`, each once. */
  activeImagesBetween(since: Date, until: Date): Promise<string[]>;
}

/**
 * Activity items (`ACTIVE#<day>` / `<imageKey>`) in the single table. A day partition holds at
 * most a day's pushes and pulls, so a 90-day window is 91 small Queries, never a table Scan.
 * Items expire by TTL; a deleted image's items stay until then and are filtered by its META.
 */
export class DynamoImageActivity implements ImageActivityReader {
  private readonly retentionDays: number;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: ImageActivityOptions = {},
  ) {
    this.retentionDays = options.retentionDays ?? 400;
  }

  /** Records a push or pull at `at` (ISO 8601); the same day twice is one item. */
  async record(imageKey: string, at: string): Promise<void> {
    const time = new Date(at);
    if (Number.isNaN(time.getTime())) return; // an event without a usable time says nothing about recency
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          PK: activityPk(utcDay(time)),
          SK: imageKey,
          type: ITEM_TYPES.activity,
          imageKey,
          at,
          [TTL_ATTRIBUTE]: Math.floor((time.getTime() + this.retentionDays * DAY_MS) / 1000),
        },
      }),
    );
  }

  async activeImagesBetween(since: Date, until: Date): Promise<string[]> {
    const keys = new Set<string>();
    for (let day = startOfUtcDay(since); day <= until.getTime(); day += DAY_MS) {
      for (const key of await this.imagesOn(utcDay(new Date(day)))) keys.add(key);
    }
    return this.onlyActive([...keys]);
  }

  private async imagesOn(day: string): Promise<string[]> {
    const keys: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "PK = :pk",
          ExpressionAttributeValues: { ":pk": activityPk(day) },
          ProjectionExpression: "SK",
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) keys.push(item.SK as string);
      start = out.LastEvaluatedKey;
    } while (start);
    return keys;
  }

  /** Keeps the images whose META says active, in the order given. */
  private async onlyActive(imageKeys: readonly string[]): Promise<string[]> {
    const active = new Set<string>();
    for (let i = 0; i < imageKeys.length; i += BATCH_GET_LIMIT) {
      let pending: Array<Record<string, unknown>> = imageKeys
        .slice(i, i + BATCH_GET_LIMIT)
        .map((key) => ({ PK: imagePk(key), SK: META_SK }));
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > 8) throw new DynamoStoreError(`BatchGetItem left ${pending.length} keys unprocessed`);
        const out = await this.doc.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: pending,
                ProjectionExpression: "imageKey, #status",
                ExpressionAttributeNames: { "#status": "status" },
              },
            },
          }),
        );
        for (const item of out.Responses?.[this.tableName] ?? []) {
          if (item.status === "active") active.add(item.imageKey as string);
        }
        pending = out.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
        if (pending.length > 0) await new Promise((r) => setTimeout(r, Math.random() * 50 * 2 ** attempt));
      }
    }
    return imageKeys.filter((key) => active.has(key));
  }
}

function utcDay(time: Date): string {
  return time.toISOString().slice(0, 10);
}

function startOfUtcDay(time: Date): number {
  return Math.floor(time.getTime() / DAY_MS) * DAY_MS;
}
