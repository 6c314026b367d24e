import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { VulnerabilityFinding } from "../matching/finding.js";
import { packageIndexKeys, type ScanInventory } from "../rescan/package-index-keys.js";
import type { FindingsStore, ScanSummary } from "../stores/findings-store.js";
import { imageKey as imageKeyOf, type ScanJob } from "../stores/scan-job.js";
import { type BatchWriteOptions, batchWriteAll } from "./dynamo-batch-write.js";
import { isConditionalCheckFailed } from "./dynamo-errors.js";
import {
  type FindingItem,
  type FindingRecord,
  findingFromItem,
  findingItemSk,
  type ImageRef,
  openFindingItem,
  recordFromItem,
  resolvedFindingItem,
} from "./dynamo-finding-item.js";
import { DynamoImageActivity, type ImageActivityOptions } from "./dynamo-image-activity.js";
import { DynamoPackageIndex } from "./dynamo-package-index.js";
import { buildUpdate } from "./dynamo-update.js";
import {
  accountPk,
  claimSk,
  FINDING_PREFIX,
  gsi1,
  gsi2,
  INDEXES,
  ITEM_TYPES,
  imagePk,
  META_SK,
  repositorySummarySk,
  SCAN_PREFIX,
  SUMMARY_SK,
  scanSk,
  TTL_ATTRIBUTE,
} from "./table-design.js";

export interface DynamoFindingsStoreOptions {
  /** Clock for claim expiry; tests pin it. */
  now?: () => Date;
  batchWrite?: BatchWriteOptions;
  activity?: ImageActivityOptions;
}

/** Image META attributes the dashboard lists read. */
export interface ImageRecord {
  imageKey: string;
  provider: string;
  account: string;
  region: string;
  repository: string;
  digest: string;
  registry?: string;
  tags: string[];
  status: "active" | "deleted";
  firstSeen: string;
  pushedAt: string;
  lastScannedAt?: string;
  deletedAt?: string;
  latestScan?: ScanSummary;
  openFindings?: number;
  maxSeverity?: string;
}

/** Approximate counts per account or repository (see DynamoFindingsStore). */
export interface CountsRecord {
  images: number;
  scans: number;
  /** Open findings by severity level. */
  open: Record<string, number>;
}

/** The attribute prefix of per-severity open counts on summary items: `open_CRITICAL`. */
const OPEN_COUNT_PREFIX = "open_";

/**
 * FindingsStore on the single DynamoDB table of table-design.ts.
 *
 * Writes are ordered so a crash leaves a state the next scan repairs: Finding items first, then the
 * Scan item, then the Image META item (so a reader that sees the latest scan on META also finds its
 * findings), then the account and repository counts. Counts are ADDed deltas without transactions
 * (dynalite has none, and a scan can write thousands of items): a crash between steps, or two
 * workers racing on one image, can leave them off by a little. They are for dashboards, not audits.
 */
export class DynamoFindingsStore implements FindingsStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly now: () => Date;
  /** Which images hold a package: what a DB update's rescan starts from. */
  readonly packageIndex: DynamoPackageIndex;
  /** Which images were pushed or pulled lately: what the scheduled full re-match reads. */
  readonly activity: DynamoImageActivity;

  constructor(
    client: DynamoDBDocumentClient | DynamoDBClient,
    private readonly tableName: string,
    private readonly options: DynamoFindingsStoreOptions = {},
  ) {
    this.doc =
      client instanceof DynamoDBDocumentClient
        ? client
        : DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.now = options.now ?? (() => new Date());
    this.packageIndex = new DynamoPackageIndex(this.doc, tableName, options.batchWrite);
    this.activity = new DynamoImageActivity(this.doc, tableName, options.activity);
  }

  async claimScan(imageKey: string, scanIdentity: string, ttlSeconds: number): Promise<boolean> {
    const nowSeconds = Math.floor(this.now().getTime() / 1000);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            PK: imagePk(imageKey),
            SK: claimSk(scanIdentity),
            type: ITEM_TYPES.claim,
            claimedAt: this.now().toISOString(),
            [TTL_ATTRIBUTE]: nowSeconds + ttlSeconds,
          },
          // TTL deletion lags by up to days: an expired claim that still exists is free to take.
          ConditionExpression: "attribute_not_exists(PK) OR #exp < :now",
          ExpressionAttributeNames: { "#exp": TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ":now": nowSeconds },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  async putScan(
    job: ScanJob,
    summary: ScanSummary,
    findings: readonly VulnerabilityFinding[],
    inventory?: ScanInventory,
  ): Promise<void> {
    const key = summary.imageKey || imageKeyOf(job);
    const image: ImageRef = {
      imageKey: key,
      account: job.account,
      repository: job.repository,
      digest: job.digest,
    };
    const at = summary.scannedAt;

    // No undefined values: a caller's DocumentClient may not be set to remove them.
    const stored = Object.fromEntries(
      Object.entries({ ...summary, imageKey: key }).filter(([, v]) => v !== undefined),
    );
    const existing = new Map((await this.findingItems(key)).map((item) => [item.SK, item]));
    const current = new Map<string, FindingItem>();
    for (const finding of findings) {
      const sk = findingItemSk(finding);
      if (current.has(sk)) continue; // BatchWriteItem rejects two writes to one key in a batch
      const before = existing.get(sk);
      current.set(sk, openFindingItem(image, finding, before?.firstSeen ?? at, at));
    }
    const resolved = [...existing.values()]
      .filter((item) => item.status === "open" && !current.has(item.SK))
      .map((item) => resolvedFindingItem(item, at));
    await this.writeItems([...current.values(), ...resolved]);
    // Before the Scan item: a crash here leaves no scan, so the redelivered job indexes again.
    if (inventory) await this.packageIndex.index(key, packageIndexKeys(inventory));
    // A rescan is our own doing, not a sign that anyone still uses the image.
    if (job.reason !== "rescan") await this.activity.record(key, job.eventTime || at);

    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          PK: imagePk(key),
          SK: scanSk(at),
          type: ITEM_TYPES.scan,
          summary: stored,
          reason: job.reason,
          eventTime: job.eventTime,
        },
      }),
    );

    const pushedAt = job.reason === "push" || job.reason === "replication" ? job.eventTime : at;
    const meta = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { PK: imagePk(key), SK: META_SK },
        ...buildUpdate({
          set: {
            type: ITEM_TYPES.image,
            imageKey: key,
            provider: job.provider,
            account: job.account,
            region: job.region,
            repository: job.repository,
            digest: job.digest,
            registry: job.registry,
            status: "active",
            lastScannedAt: at,
            latestScan: stored,
            openFindings: current.size,
            maxSeverity: summary.maxSeverity,
            ...gsi2(job.digest, key),
          },
          setIfMissing: { firstSeen: at, pushedAt, ...gsi1(job.account, job.repository, pushedAt) },
          add: job.tag ? { tags: new Set([job.tag]) } : {},
          remove: summary.maxSeverity === undefined ? ["maxSeverity", "deletedAt"] : ["deletedAt"],
        }),
        ReturnValues: "ALL_OLD",
      }),
    );

    const delta = severityCounts(current.values());
    for (const [level, n] of severityCounts(existing.values())) delta.set(level, (delta.get(level) ?? 0) - n);
    const newImage = meta.Attributes?.status !== "active";
    await this.addCounts(job.account, job.repository, delta, { images: newImage ? 1 : 0, scans: 1 });
  }

  async markDeleted(imageKey: string, at: string): Promise<void> {
    let old: Record<string, unknown> | undefined;
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: imagePk(imageKey), SK: META_SK },
          ...buildUpdate({ set: { status: "deleted", deletedAt: at } }),
          ConditionExpression: "attribute_exists(PK)",
          ReturnValues: "ALL_OLD",
        }),
      );
      old = out.Attributes;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return; // never scanned: nothing to close
      throw err;
    }
    const open = (await this.findingItems(imageKey)).filter((item) => item.status === "open");
    await this.writeItems(open.map((item) => resolvedFindingItem(item, at)));
    await this.packageIndex.remove(imageKey);
    const delta = new Map([...severityCounts(open)].map(([level, n]) => [level, -n]));
    const account = String(old?.account ?? "");
    const repository = String(old?.repository ?? "");
    await this.addCounts(account, repository, delta, { images: old?.status === "active" ? -1 : 0, scans: 0 });
  }

  async latestScan(imageKey: string): Promise<ScanSummary | undefined> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "PK = :pk AND begins_with(SK, :prefix)",
        ExpressionAttributeValues: { ":pk": imagePk(imageKey), ":prefix": SCAN_PREFIX },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    return out.Items?.[0]?.summary as ScanSummary | undefined;
  }

  /** The image's open findings, as of its latest scan. Resolved ones are in findingRecords. */
  async findings(imageKey: string): Promise<VulnerabilityFinding[]> {
    const items = await this.findingItems(imageKey);
    return items.filter((item) => item.status === "open").map(findingFromItem);
  }

  /** Every finding the image ever had, with open/resolved status and first/last seen. */
  async findingRecords(imageKey: string): Promise<FindingRecord[]> {
    return (await this.findingItems(imageKey)).map(recordFromItem);
  }

  async image(imageKey: string): Promise<ImageRecord | undefined> {
    const items = await this.queryAll({
      KeyConditionExpression: "PK = :pk AND SK = :sk",
      ExpressionAttributeValues: { ":pk": imagePk(imageKey), ":sk": META_SK },
    });
    return items[0] ? imageFromItem(items[0]) : undefined;
  }

  /** GSI1: an account's images, optionally one repository's, oldest push first. */
  async imagesByAccount(account: string, repository?: string): Promise<ImageRecord[]> {
    const index = INDEXES.byAccount;
    const { PK1, SK1 } = gsi1(account, repository ?? "", "");
    const items = await this.queryAll({
      IndexName: index.name,
      KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :prefix)",
      ExpressionAttributeNames: { "#pk": index.partitionKey, "#sk": index.sortKey },
      ExpressionAttributeValues: { ":pk": PK1, ":prefix": repository === undefined ? "REPO#" : SK1 },
    });
    return items.map(imageFromItem);
  }

  /** GSI2: every image (any account, region, repository) with this manifest digest. */
  async imagesByDigest(digest: string): Promise<ImageRecord[]> {
    const index = INDEXES.byDigest;
    const items = await this.queryAll({
      IndexName: index.name,
      KeyConditionExpression: "#pk = :pk",
      ExpressionAttributeNames: { "#pk": index.partitionKey },
      ExpressionAttributeValues: { ":pk": gsi2(digest, "").PK2 },
    });
    return items.map(imageFromItem);
  }

  /** GSI3: findings of one vulnerability id across images; resolved ones stay, with their status. */
  async findingsByVulnerability(
    vulnerabilityId: string,
  ): Promise<Array<FindingRecord & { imageKey: string }>> {
    const index = INDEXES.byVulnerability;
    const items = await this.queryAll({
      IndexName: index.name,
      KeyConditionExpression: "#pk = :pk",
      ExpressionAttributeNames: { "#pk": index.partitionKey },
      ExpressionAttributeValues: { ":pk": `VULN#${vulnerabilityId}` },
    });
    return (items as unknown as FindingItem[]).map((item) => ({
      ...recordFromItem(item),
      imageKey: item.imageKey,
    }));
  }

  /** GSI4: open findings of one severity, optionally of one account. */
  async openFindingsBySeverity(
    severity: string,
    account?: string,
  ): Promise<Array<FindingRecord & { imageKey: string }>> {
    const index = INDEXES.openBySeverity;
    const values: Record<string, unknown> = { ":pk": `OPEN#${severity.toUpperCase()}` };
    let condition = "#pk = :pk";
    const names: Record<string, string> = { "#pk": index.partitionKey };
    if (account !== undefined) {
      condition += " AND begins_with(#sk, :prefix)";
      names["#sk"] = index.sortKey;
      values[":prefix"] = `${account}#`;
    }
    const items = await this.queryAll({
      IndexName: index.name,
      KeyConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
    return (items as unknown as FindingItem[]).map((item) => ({
      ...recordFromItem(item),
      imageKey: item.imageKey,
    }));
  }

  /** Approximate counts for an account, or one of its repositories. */
  async counts(account: string, repository?: string): Promise<CountsRecord> {
    const sk = repository === undefined ? SUMMARY_SK : repositorySummarySk(repository);
    const items = await this.queryAll({
      KeyConditionExpression: "PK = :pk AND SK = :sk",
      ExpressionAttributeValues: { ":pk": accountPk(account), ":sk": sk },
    });
    const item = items[0] ?? {};
    const open: Record<string, number> = {};
    for (const [name, value] of Object.entries(item)) {
      if (name.startsWith(OPEN_COUNT_PREFIX) && typeof value === "number") {
        open[name.slice(OPEN_COUNT_PREFIX.length)] = value;
      }
    }
    return { images: Number(item.images ?? 0), scans: Number(item.scans ?? 0), open };
  }

  private async findingItems(imageKey: string): Promise<FindingItem[]> {
    const items = await this.queryAll({
      KeyConditionExpression: "PK = :pk AND begins_with(SK, :prefix)",
      ExpressionAttributeValues: { ":pk": imagePk(imageKey), ":prefix": FINDING_PREFIX },
    });
    return items as unknown as FindingItem[];
  }

  private async queryAll(input: Omit<QueryCommandInput, "TableName">): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey: start }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  private async writeItems(items: readonly FindingItem[]): Promise<void> {
    const requests = items.map((item) => ({
      PutRequest: { Item: item as unknown as Record<string, unknown> },
    }));
    await batchWriteAll(this.doc, this.tableName, requests, this.options.batchWrite);
  }

  private async addCounts(
    account: string,
    repository: string,
    openDelta: Map<string, number>,
    totals: { images: number; scans: number },
  ): Promise<void> {
    const add: Record<string, number> = { images: totals.images, scans: totals.scans };
    for (const [level, n] of openDelta) add[`${OPEN_COUNT_PREFIX}${level}`] = n;
    const targets = [
      { SK: SUMMARY_SK, type: ITEM_TYPES.accountSummary, repository: undefined },
      { SK: repositorySummarySk(repository), type: ITEM_TYPES.repositorySummary, repository },
    ];
    await Promise.all(
      targets.map((target) =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { PK: accountPk(account), SK: target.SK },
            ...buildUpdate({ set: { type: target.type, account, repository: target.repository }, add }),
          }),
        ),
      ),
    );
  }
}

function severityCounts(items: Iterable<FindingItem>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    if (item.status !== "open") continue;
    counts.set(item.severity.level, (counts.get(item.severity.level) ?? 0) + 1);
  }
  return counts;
}

function imageFromItem(item: Record<string, unknown>): ImageRecord {
  const tags = item.tags instanceof Set ? [...(item.tags as Set<string>)].sort() : [];
  const record = { ...item, tags } as Record<string, unknown>;
  for (const key of ["PK", "SK", "type", "PK1", "SK1", "PK2", "SK2"]) delete record[key];
  return record as unknown as ImageRecord;
}
