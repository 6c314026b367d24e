import type { DynamoDBDocumentClient, QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import { type PackageKey, packageKey } from "../vulndb/db/package-key.js";
import { type BatchWriteOptions, batchWriteAll } from "./dynamo-batch-write.js";
import { queryAll } from "./dynamo-query-all.js";
import { ITEM_TYPES, imagePk, PACKAGE_LIST_PREFIX, packageIndexPk, packageListSk } from "./table-design.js";

/** Keys per package-list item: ~60 bytes each keeps an item far below DynamoDB's 400 KB. */
const LIST_CHUNK = 1_000;

/** The read side rescans need: which images hold a package. */
export interface PackageIndexReader {
  imagesWith(ecosystem: string, name: string): Promise<string[]>;
}

/**
 * Package index items in the single table (table-design.ts): `PKG#<ecosystem>#<name>` /
 * `<imageKey>`, plus the image's own list of those keys so a delete finds them. Keys are
 * normalised here (packageKey), so callers may pass advisory spellings as they come.
 */
export class DynamoPackageIndex implements PackageIndexReader {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly batchWrite: BatchWriteOptions = {},
    /** Items per Query page; DynamoDB's 1 MB page is the default, tests set a small one. */
    private readonly pageSize?: number,
  ) {}

  /**
   * Indexes an image under every key. The list goes first: after a crash between the two writes,
   * remove() still knows every index item that may exist. Writes are idempotent puts, so a scan of
   * the same digest with a new DB rewrites the same items.
   */
  async index(imageKey: string, keys: readonly PackageKey[]): Promise<void> {
    const normalised = keys.map((k) => packageKey(k.ecosystem, k.name));
    const lists = [];
    for (let i = 0; i < normalised.length; i += LIST_CHUNK) {
      const chunk = normalised.slice(i, i + LIST_CHUNK);
      lists.push({
        PK: imagePk(imageKey),
        SK: packageListSk(i / LIST_CHUNK),
        type: ITEM_TYPES.packageList,
        keys: chunk.map((k) => packageIndexPk(k.ecosystem, k.name)),
      });
    }
    await this.put(lists);
    await this.put(
      normalised.map((k) => ({
        PK: packageIndexPk(k.ecosystem, k.name),
        SK: imageKey,
        type: ITEM_TYPES.packageIndex,
        imageKey,
        ecosystem: k.ecosystem,
        name: k.name,
      })),
    );
  }

  /** Removes the image's index items, then its lists (the reverse order of index()). */
  async remove(imageKey: string): Promise<void> {
    const lists = await this.queryAll({
      KeyConditionExpression: "PK = :pk AND begins_with(SK, :prefix)",
      ExpressionAttributeValues: { ":pk": imagePk(imageKey), ":prefix": PACKAGE_LIST_PREFIX },
    });
    const pks = new Set(lists.flatMap((item) => (item.keys as string[] | undefined) ?? []));
    await this.delete([...pks].map((pk) => ({ PK: pk, SK: imageKey })));
    await this.delete(lists.map((item) => ({ PK: item.PK as string, SK: item.SK as string })));
  }

  /** Every image indexed under the package, page by page (a Query on one partition, never a Scan). */
  async imagesWith(ecosystem: string, name: string): Promise<string[]> {
    const key = packageKey(ecosystem, name);
    const items = await this.queryAll({
      KeyConditionExpression: "PK = :pk",
      ExpressionAttributeValues: { ":pk": packageIndexPk(key.ecosystem, key.name) },
      ProjectionExpression: "SK",
    });
    return items.map((item) => item.SK as string);
  }

  private queryAll(input: Omit<QueryCommandInput, "TableName">): Promise<Record<string, unknown>[]> {
    return queryAll(this.doc, this.tableName, input, this.pageSize);
  }

  private put(items: ReadonlyArray<Record<string, unknown>>): Promise<void> {
    const requests = items.map((Item) => ({ PutRequest: { Item } }));
    return batchWriteAll(this.doc, this.tableName, requests, this.batchWrite);
  }

  private delete(keys: ReadonlyArray<{ PK: string; SK: string }>): Promise<void> {
    const requests = keys.map((Key) => ({ DeleteRequest: { Key } }));
    return batchWriteAll(this.doc, this.tableName, requests, this.batchWrite);
  }
}
