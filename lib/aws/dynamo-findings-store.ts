import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { findingRisk } from "../dashboard/image-risk.js";
import { SEVERITY_LEVELS, type VulnerabilityFinding } from "../matching/finding.js";
import { packageIndexKeys, type ScanInventory } from "../rescan/package-index-keys.js";
import type {
  FindingsStore,
  PutScanExtras,
  ScanSummary,
  SuppressedVulnerability,
} from "../stores/findings-store.js";
import { imageKey as imageKeyOf, type ScanJob } from "../stores/scan-job.js";
import { type BatchWriteOptions, batchWriteAll } from "./dynamo-batch-write.js";
import { DynamoStoreError, isConditionalCheckFailed } from "./dynamo-errors.js";
import {
  type FindingItem,
  type FindingRecord,
  findingFromItem,
  findingItemSk,
  type ImageRef,
  isSuperseded,
  openFindingItem,
  recordFromItem,
  resolvedFindingItem,
  suppressedFindingItem,
} from "./dynamo-finding-item.js";
import { DynamoImageActivity, type ImageActivityOptions } from "./dynamo-image-activity.js";
import { deleteMarker, putMarkerOnce } from "./dynamo-once-marker.js";
import { DynamoPackageIndex } from "./dynamo-package-index.js";
import { queryAll } from "./dynamo-query-all.js";
import { indexImageRisk, OPEN_COUNT_PREFIX } from "./dynamo-risk-index.js";
import { buildUpdate } from "./dynamo-update.js";
import {
  ACCOUNTS_PK1,
  accountPk,
  claimSk,
  FAILED_SK,
  FINDING_PREFIX,
  FLEET_PK,
  gsi1,
  gsi2,
  INDEXES,
  ITEM_TYPES,
  imagePk,
  META_SK,
  PUSHED_SK,
  RISK_ACCOUNT_SK,
  RISK_REPO_SK,
  repositorySummarySk,
  SCAN_PREFIX,
  SUMMARY_SK,
  scanSk,
  TTL_ATTRIBUTE,
  tagPk,
  tagSk,
  vulnerabilityPk,
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
  /** The digest pushed under this image's tag after it, and when that scan was stored. */
  supersededBy?: string;
  supersededAt?: string;
}

/** The Tag item: where `<repository>:<tag>` points now, and the image it pointed at before. */
export interface TagItem {
  PK: string;
  SK: string;
  type: typeof ITEM_TYPES.tag;
  repository: string;
  tag: string;
  digest: string;
  imageKey: string;
  eventTime: string;
  previousDigest?: string;
  previousImageKey?: string;
}

/** What moving a tag to a scanned digest found. */
interface TagMove {
  /** The tag points at this image now (false when a later push already moved it on). */
  current: boolean;
  /** The image the tag pointed at before this digest, if another one. */
  previous?: string;
}

/** Approximate counts per account or repository (see DynamoFindingsStore). */
export interface CountsRecord {
  images: number;
  scans: number;
  /** Open findings by severity level. */
  open: Record<string, number>;
}

/** What the counts items hold besides images, scans and open_<LEVEL>; all ADDed. */
export interface CountDeltas {
  images?: number;
  scans?: number;
  /** Open findings with a fixed version, and on the KEV list. */
  fixable?: number;
  kev?: number;
  /** Coverage: images a registry reported, images with a finished scan, images whose last scan failed. */
  pushed?: number;
  scanned?: number;
  failed?: number;
}

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
    extras: PutScanExtras = {},
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
    // First: whether this digest is (again) what its tag points at decides whether findings a
    // newer digest superseded may reopen. The tag item keeps the digest it replaced, so a
    // redelivered job still finds the image to supersede.
    const tag = job.tag ? await this.advanceTag(job, key, at) : undefined;
    const existing = new Map((await this.findingItems(key)).map((item) => [item.SK, item]));
    const { items: current, reported } = scanFindingItems(image, at, existing, {
      open: findings,
      suppressed: extras.suppressed ?? [],
      reopenSuperseded: tag?.current === true,
    });
    const risk = riskOf(current.values());
    const resolved = [...existing.values()]
      .filter((item) => item.status !== "resolved" && !reported.has(item.SK))
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
            openFindings: [...current.values()].filter((item) => item.status === "open").length,
            maxSeverity: summary.maxSeverity,
            risk,
            ...levelAttributes(severityCounts(current.values())),
            ...gsi2(job.digest, key),
          },
          setIfMissing: { firstSeen: at, pushedAt, ...gsi1(job.account, job.repository, pushedAt) },
          add: job.tag ? { tags: new Set([job.tag]) } : {},
          remove: [
            "deletedAt",
            ...(summary.maxSeverity === undefined ? ["maxSeverity"] : []),
            ...(tag?.current ? ["supersededBy", "supersededAt"] : []),
          ],
        }),
        ReturnValues: "ALL_OLD",
      }),
    );

    const delta = severityCounts(current.values());
    for (const [level, n] of severityCounts(existing.values())) delta.set(level, (delta.get(level) ?? 0) - n);
    const newImage = meta.Attributes?.status !== "active";
    const firstScan = meta.Attributes?.latestScan === undefined;
    const flags = flagCounts(current.values());
    const flagsBefore = flagCounts(existing.values());
    // An image scanned without a push event (on-demand, or before coverage existed) was still reported.
    if (firstScan) await this.recordPushed(job);
    const wasFailing = await this.clearFailed(key);
    await this.addCounts(
      job.account,
      job.repository,
      delta,
      {
        images: newImage ? 1 : 0,
        scans: 1,
        fixable: flags.fixable - flagsBefore.fixable,
        kev: flags.kev - flagsBefore.kev,
        scanned: firstScan ? 1 : 0,
        failed: wasFailing ? -1 : 0,
      },
      job.provider,
    );
    await this.indexRisk(key, risk);
    // Last: the new image is fully recorded before the old one is told it was replaced.
    if (tag?.previous && tag.previous !== key) await this.supersede(tag.previous, job, reported, at);
  }

  /**
   * Points the job's tag at its digest, unless a later event already moved it on. Optimistic: the
   * put is conditional on the digest read, and a lost race reads again.
   */
  private async advanceTag(job: ScanJob, key: string, at: string): Promise<TagMove> {
    const tag = job.tag as string;
    const itemKey = { PK: tagPk(job), SK: tagSk(tag) };
    const eventTime = job.eventTime || at;
    for (let attempt = 0; attempt < 5; attempt++) {
      const out = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: itemKey, ConsistentRead: true }),
      );
      const old = out.Item as TagItem | undefined;
      // The same digest again (rescan, redelivery, re-push): it still replaced what it replaced.
      if (old?.digest === job.digest) return { current: true, previous: old.previousImageKey };
      if (old && old.eventTime > eventTime) return { current: false };
      const item: TagItem = {
        ...itemKey,
        type: ITEM_TYPES.tag,
        repository: job.repository,
        tag,
        digest: job.digest,
        imageKey: key,
        eventTime,
        ...(old ? { previousDigest: old.digest, previousImageKey: old.imageKey } : {}),
      };
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: item,
            ...(old
              ? {
                  ConditionExpression: "#digest = :digest",
                  ExpressionAttributeNames: { "#digest": "digest" },
                  ExpressionAttributeValues: { ":digest": old.digest },
                }
              : { ConditionExpression: "attribute_not_exists(PK)" }),
          }),
        );
        return old ? { current: true, previous: old.imageKey } : { current: true };
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw err;
      }
    }
    // Lost every race: concurrent pushes of this tag own it now.
    return { current: false };
  }

  /**
   * The tag moved from `oldKey` to the job's digest: the old image's findings the new one no
   * longer reports are resolved as superseded. The ones it still has stay open, since the old
   * digest may still run somewhere.
   */
  private async supersede(oldKey: string, job: ScanJob, reported: ReadonlySet<string>, at: string) {
    const fixed = (await this.findingItems(oldKey)).filter(
      (item) => item.status !== "resolved" && !reported.has(item.SK),
    );
    await this.writeItems(fixed.map((item) => resolvedFindingItem(item, at, "superseded", job.digest)));
    const openFixed = fixed.filter((item) => item.status === "open").length;
    const levels = severityCounts(fixed);
    let after: Record<string, unknown> | undefined;
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: imagePk(oldKey), SK: META_SK },
          ...buildUpdate({
            set: { supersededBy: job.digest, supersededAt: at },
            add: {
              openFindings: -openFixed,
              risk: -riskOf(fixed),
              ...Object.fromEntries([...levels].map(([level, n]) => [`${OPEN_COUNT_PREFIX}${level}`, -n])),
            },
          }),
          ConditionExpression: "attribute_exists(PK)",
          ReturnValues: "ALL_NEW",
        }),
      );
      after = out.Attributes;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return; // never recorded: nothing to supersede or count
      throw err;
    }
    const delta = new Map([...levels].map(([level, n]) => [level, -n]));
    const flags = flagCounts(fixed);
    await this.addCounts(job.account, job.repository, delta, { fixable: -flags.fixable, kev: -flags.kev });
    if (after?.status === "active") await this.indexRisk(oldKey, Number(after.risk ?? 0));
  }

  /**
   * A registry reported this image (push event, inventory sync): counted once per image in the
   * account's and the fleet's `pushed`, however often the event is delivered.
   */
  async recordPushed(job: ScanJob): Promise<void> {
    const first = await putMarkerOnce(this.doc, this.tableName, {
      PK: imagePk(imageKeyOf(job)),
      SK: PUSHED_SK,
      type: ITEM_TYPES.pushedMarker,
      account: job.account,
      repository: job.repository,
      at: job.eventTime || this.now().toISOString(),
    });
    if (first) await this.addCounts(job.account, job.repository, new Map(), { pushed: 1 }, job.provider);
  }

  /**
   * The image's scan failed: counted once in `failed` until a scan of it succeeds (putScan clears
   * the marker), however often SQS redelivers the job.
   */
  async recordScanFailed(job: ScanJob, reason: string, at: string = this.now().toISOString()): Promise<void> {
    const first = await putMarkerOnce(this.doc, this.tableName, {
      PK: imagePk(imageKeyOf(job)),
      SK: FAILED_SK,
      type: ITEM_TYPES.failedMarker,
      account: job.account,
      repository: job.repository,
      reason: reason.slice(0, 1000),
      at,
    });
    if (first) await this.addCounts(job.account, job.repository, new Map(), { failed: 1 }, job.provider);
  }

  /** Removes the failed marker; true when there was one (its count is then taken back). */
  private clearFailed(key: string): Promise<boolean> {
    return deleteMarker(this.doc, this.tableName, { PK: imagePk(key), SK: FAILED_SK });
  }

  private indexRisk(key: string, risk: number): Promise<void> {
    return indexImageRisk(this.doc, this.tableName, key, risk, this.options.batchWrite);
  }

  async markDeleted(imageKey: string, at: string): Promise<void> {
    let old: Record<string, unknown> | undefined;
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: imagePk(imageKey), SK: META_SK },
          ...buildUpdate({
            set: {
              status: "deleted",
              deletedAt: at,
              openFindings: 0,
              risk: 0,
              ...levelAttributes(new Map()),
            },
            // Out of the images-by-risk lists: they show what still runs.
            remove: ["PK5", "SK5"],
          }),
          ConditionExpression: "attribute_exists(PK)",
          ReturnValues: "ALL_OLD",
        }),
      );
      old = out.Attributes;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return; // never scanned: nothing to close
      throw err;
    }
    const open = (await this.findingItems(imageKey)).filter((item) => item.status !== "resolved");
    await this.writeItems(open.map((item) => resolvedFindingItem(item, at, "deleted")));
    await this.packageIndex.remove(imageKey);
    await batchWriteAll(
      this.doc,
      this.tableName,
      [RISK_ACCOUNT_SK, RISK_REPO_SK].map((SK) => ({
        DeleteRequest: { Key: { PK: imagePk(imageKey), SK } },
      })),
      this.options.batchWrite,
    );
    const delta = new Map([...severityCounts(open)].map(([level, n]) => [level, -n]));
    const flags = flagCounts(open);
    const account = String(old?.account ?? "");
    const repository = String(old?.repository ?? "");
    await this.addCounts(account, repository, delta, {
      images: old?.status === "active" ? -1 : 0,
      fixable: -flags.fixable,
      kev: -flags.kev,
    });
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

  /**
   * The keys among `keys` whose image has a stored scan and is active: what the inventory sync
   * need not enqueue. A deleted image the registry lists again was re-pushed, so it is left out.
   * BatchGetItem, 100 keys a call; unprocessed keys are read again with backoff.
   */
  async scannedImageKeys(keys: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    const unique = [...new Set(keys)]; // BatchGetItem rejects a key asked twice
    // Throttled reads are retried like throttled writes: the same attempts and jittered backoff.
    const { maxAttempts = 8, baseDelayMs = 50, maxDelayMs = 5_000 } = this.options.batchWrite ?? {};
    const sleep = this.options.batchWrite?.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    for (let i = 0; i < unique.length; i += 100) {
      let pending: Record<string, unknown>[] = unique
        .slice(i, i + 100)
        .map((key) => ({ PK: imagePk(key), SK: META_SK }));
      for (let attempt = 1; pending.length > 0; attempt++) {
        const out = await this.doc.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: pending,
                // Only what the answer needs: the scan summary itself can be large.
                ProjectionExpression: "PK, #status, latestScan.scannedAt",
                ExpressionAttributeNames: { "#status": "status" },
              },
            },
          }),
        );
        for (const item of out.Responses?.[this.tableName] ?? []) {
          if (item.status === "active" && item.latestScan !== undefined && typeof item.PK === "string")
            found.add(item.PK.slice(imagePk("").length));
        }
        pending = out.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
        if (pending.length === 0) break;
        if (attempt >= maxAttempts)
          throw new DynamoStoreError(
            `BatchGetItem left ${pending.length} keys unprocessed after ${attempt} attempts`,
          );
        await sleep(Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)));
      }
    }
    return found;
  }

  /** The image's open findings, as of its latest scan. Resolved ones are in findingRecords. */
  async findings(imageKey: string): Promise<VulnerabilityFinding[]> {
    const items = await this.findingItems(imageKey);
    return items.filter((item) => item.status === "open").map(findingFromItem);
  }

  /** Every finding the image ever had, with open/suppressed/resolved status and first/last seen. */
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

  /** GSI3: findings of one vulnerability id across images; suppressed and resolved ones too, with their status. */
  async findingsByVulnerability(
    vulnerabilityId: string,
  ): Promise<Array<FindingRecord & { imageKey: string }>> {
    const index = INDEXES.byVulnerability;
    const items = await this.queryAll({
      IndexName: index.name,
      KeyConditionExpression: "#pk = :pk",
      ExpressionAttributeNames: { "#pk": index.partitionKey },
      ExpressionAttributeValues: { ":pk": vulnerabilityPk(vulnerabilityId) },
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

  private queryAll(input: Omit<QueryCommandInput, "TableName">): Promise<Record<string, unknown>[]> {
    return queryAll(this.doc, this.tableName, input);
  }

  private async writeItems(items: readonly FindingItem[]): Promise<void> {
    const requests = items.map((item) => ({
      PutRequest: { Item: item as unknown as Record<string, unknown> },
    }));
    await batchWriteAll(this.doc, this.tableName, requests, this.options.batchWrite);
  }

  /**
   * ADDs the deltas to the repository's, the account's and the fleet's counts. The account item
   * also sits in GSI1 under `ACCOUNTS`, which lists the accounts.
   */
  private async addCounts(
    account: string,
    repository: string,
    openDelta: Map<string, number>,
    totals: CountDeltas,
    provider?: string,
  ): Promise<void> {
    const add: Record<string, number> = { images: totals.images ?? 0, scans: totals.scans ?? 0 };
    for (const [name, n] of Object.entries(totals)) if (n !== undefined && n !== 0) add[name] = n;
    for (const [level, n] of openDelta) add[`${OPEN_COUNT_PREFIX}${level}`] = n;
    const targets: Array<{ Key: Record<string, string>; set: Record<string, unknown> }> = [
      {
        Key: { PK: accountPk(account), SK: SUMMARY_SK },
        set: { type: ITEM_TYPES.accountSummary, account, provider, PK1: ACCOUNTS_PK1, SK1: account },
      },
      {
        Key: { PK: accountPk(account), SK: repositorySummarySk(repository) },
        set: { type: ITEM_TYPES.repositorySummary, account, repository },
      },
      { Key: { PK: FLEET_PK, SK: SUMMARY_SK }, set: { type: ITEM_TYPES.fleetSummary } },
    ];
    await Promise.all(
      targets.map((target) =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: target.Key,
            ...buildUpdate({ set: target.set, add }),
          }),
        ),
      ),
    );
  }
}

/**
 * The Finding items a scan writes: reported findings open, suppressed ones suppressed (an open
 * report of the same identity wins), each keeping the firstSeen it had. `reported` holds every
 * identity the scan saw, including ones a newer digest superseded that stay resolved.
 */
function scanFindingItems(
  image: ImageRef,
  at: string,
  existing: ReadonlyMap<string, FindingItem>,
  scan: {
    open: readonly VulnerabilityFinding[];
    suppressed: readonly SuppressedVulnerability[];
    reopenSuperseded: boolean;
  },
): { items: Map<string, FindingItem>; reported: Set<string> } {
  const items = new Map<string, FindingItem>();
  const reported = new Set<string>();
  /** The firstSeen to write with, or undefined when nothing is to be written for this key. */
  const firstSeenFor = (sk: string): string | undefined => {
    reported.add(sk);
    if (items.has(sk)) return undefined; // BatchWriteItem rejects two writes to one key in a batch
    const before = existing.get(sk);
    // A rescan of a replaced image must not undo the supersession; a push back to this digest may.
    if (before && isSuperseded(before) && !scan.reopenSuperseded) return undefined;
    return before?.firstSeen ?? at;
  };
  for (const finding of scan.open) {
    const sk = findingItemSk(finding);
    const firstSeen = firstSeenFor(sk);
    if (firstSeen) items.set(sk, openFindingItem(image, finding, firstSeen, at));
  }
  for (const { finding, suppression } of scan.suppressed) {
    const sk = findingItemSk(finding);
    const firstSeen = firstSeenFor(sk);
    if (firstSeen) items.set(sk, suppressedFindingItem(image, finding, suppression, firstSeen, at));
  }
  return { items, reported };
}

function severityCounts(items: Iterable<FindingItem>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    if (item.status !== "open") continue;
    counts.set(item.severity.level, (counts.get(item.severity.level) ?? 0) + 1);
  }
  return counts;
}

/** Open findings with a fix available, and on the KEV list. */
function flagCounts(items: Iterable<FindingItem>): { fixable: number; kev: number } {
  let fixable = 0;
  let kev = 0;
  for (const item of items) {
    if (item.status !== "open") continue;
    if (item.fixedVersions.length > 0) fixable++;
    if (item.kev === true) kev++;
  }
  return { fixable, kev };
}

function riskOf(items: Iterable<FindingItem>): number {
  let risk = 0;
  for (const item of items) if (item.status === "open") risk += findingRisk(item);
  return risk;
}

/** `open_<LEVEL>` for every level, zero included, so later ADDs always find a number. */
function levelAttributes(counts: ReadonlyMap<string, number>): Record<string, number> {
  return Object.fromEntries(
    SEVERITY_LEVELS.map((level) => [`${OPEN_COUNT_PREFIX}${level}`, counts.get(level) ?? 0]),
  );
}

function imageFromItem(item: Record<string, unknown>): ImageRecord {
  const tags = item.tags instanceof Set ? [...(item.tags as Set<string>)].sort() : [];
  const record = { ...item, tags } as Record<string, unknown>;
  for (const key of ["PK", "SK", "type", "PK1", "SK1", "PK2", "SK2", "PK5", "SK5"]) delete record[key];
  return record as unknown as ImageRecord;
}
