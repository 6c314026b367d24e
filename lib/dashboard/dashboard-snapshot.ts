import { type DynamoDBDocumentClient, PutCommand, type QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import { batchWriteAll } from "../aws/dynamo-batch-write.js";
import { isConditionalCheckFailed } from "../aws/dynamo-errors.js";
import { queryAll } from "../aws/dynamo-query-all.js";
import {
  ACCOUNTS_PK1,
  FLEET_PK,
  INDEXES,
  ITEM_TYPES,
  SNAPSHOTS_PK,
  SUMMARY_SK,
  TTL_ATTRIBUTE,
  topVulnerabilityPk,
  topVulnerabilitySk,
} from "../aws/table-design.js";
import { SEVERITY_LEVELS } from "../matching/finding.js";
import type { SeverityCounts } from "./api-contract.js";
import { apiSeverity, countsFromItem } from "./summary-counts.js";

/** Vulnerabilities kept per top list (fleet and each account). */
export const TOP_LIMIT = 500;
/** Superseded top lists expire after this long (TTL), the snapshot items stay. */
const TOP_LIST_TTL_DAYS = 3;

export interface SnapshotOptions {
  doc: DynamoDBDocumentClient;
  tableName: string;
  now: Date;
  /**
   * Replace the day's snapshot if one exists: runs through the day keep today's point and the top
   * lists current (the last run of a day is what the trend keeps). Without it a day is written once.
   */
  replace?: boolean;
}

export type SnapshotResult =
  | { status: "exists"; day: string }
  | { status: "written"; day: string; accounts: number; vulnerabilities: number; openFindings: number };

/** The stored snapshot of one day. */
export interface SnapshotItem {
  PK: string;
  SK: string;
  day: string;
  takenAt: string;
  /** Names the TOPVULN partitions this snapshot's top lists are in. */
  run: string;
  open: SeverityCounts;
  accounts: Record<string, SeverityCounts>;
  /** Accounts with at least one top-list entry: the others have no partition to read. */
  fixable: number;
  kev: number;
  images: number;
}

interface VulnStat {
  id: string;
  level: string;
  images: Set<string>;
  byAccount: Map<string, Set<string>>;
  fixable: boolean;
  kev: boolean;
  epss?: { probability: number; percentile: number };
  summary?: string;
}

const RANK = new Map(SEVERITY_LEVELS.map((level, i) => [level as string, i]));

/**
 * The daily snapshot: the fleet's and each account's open counts for the trend, and the most
 * widespread open vulnerabilities (by images affected) for the fleet and each account, computed
 * from GSI4 (every open finding, one Query per severity; never a Scan). Idempotent per UTC day: a
 * day already recorded is left alone. A run writes its top lists under a fresh partition and only
 * then the snapshot item that points at it, so a failed run never leaves a half-written list current.
 */
export async function takeDashboardSnapshot(options: SnapshotOptions): Promise<SnapshotResult> {
  const { doc, tableName, now } = options;
  const day = now.toISOString().slice(0, 10);
  const query = (input: Omit<QueryCommandInput, "TableName">) => queryAll(doc, tableName, input);

  if (!options.replace) {
    const existing = await query({
      KeyConditionExpression: "PK = :pk AND SK = :sk",
      ExpressionAttributeValues: { ":pk": SNAPSHOTS_PK, ":sk": day },
    });
    if (existing.length > 0) return { status: "exists", day };
  }

  const [fleetItem] = await query({
    KeyConditionExpression: "PK = :pk AND SK = :sk",
    ExpressionAttributeValues: { ":pk": FLEET_PK, ":sk": SUMMARY_SK },
  });
  const fleet = countsFromItem(fleetItem);
  const byAccount = INDEXES.byAccount;
  const accountItems = await query({
    IndexName: byAccount.name,
    KeyConditionExpression: "#pk = :pk",
    ExpressionAttributeNames: { "#pk": byAccount.partitionKey },
    ExpressionAttributeValues: { ":pk": ACCOUNTS_PK1 },
  });
  const accounts: Record<string, SeverityCounts> = {};
  for (const item of accountItems) accounts[String(item.account)] = countsFromItem(item).open;

  const stats = new Map<string, VulnStat>();
  let openFindings = 0;
  const open = INDEXES.openBySeverity;
  for (const level of SEVERITY_LEVELS) {
    const items = await query({
      IndexName: open.name,
      KeyConditionExpression: "#pk = :pk",
      ExpressionAttributeNames: {
        "#pk": open.partitionKey,
        "#id": "id",
        "#image": "imageKey",
        "#account": "account",
        "#sev": "severity",
        "#kev": "kev",
        "#epss": "epss",
        "#fixed": "fixedVersions",
        "#summary": "summary",
      },
      ExpressionAttributeValues: { ":pk": `OPEN#${level}` },
      // Only what the top list needs: a finding item is 1-2 KB, these fields a tenth of it.
      ProjectionExpression: "#id, #image, #account, #sev, #kev, #epss, #fixed, #summary",
    });
    for (const item of items) {
      openFindings++;
      addStat(stats, item);
    }
  }

  const run = now.toISOString();
  const expiresAt = Math.floor(now.getTime() / 1000) + TOP_LIST_TTL_DAYS * 86_400;
  const all = [...stats.values()];
  const requests: Array<{ PutRequest: { Item: Record<string, unknown> } }> = [];
  const put = (scope: string, stat: VulnStat, images: number, extra: Record<string, unknown> = {}) =>
    requests.push({
      PutRequest: {
        Item: {
          PK: topVulnerabilityPk(run, scope),
          SK: topVulnerabilitySk(images, stat.id),
          type: ITEM_TYPES.topVulnerability,
          id: stat.id,
          severity: apiSeverity(stat.level),
          images,
          fixable: stat.fixable,
          kev: stat.kev,
          ...(stat.epss ? { epss: stat.epss } : {}),
          ...(stat.summary ? { summary: stat.summary } : {}),
          ...extra,
          [TTL_ATTRIBUTE]: expiresAt,
        },
      },
    });
  for (const stat of top(all, (s) => s.images.size)) {
    const perAccount = Object.fromEntries([...stat.byAccount].map(([a, keys]) => [a, keys.size]));
    put("FLEET", stat, stat.images.size, { byAccount: perAccount });
  }
  const accountIds = new Set(all.flatMap((s) => [...s.byAccount.keys()]));
  for (const account of accountIds) {
    const size = (s: VulnStat) => s.byAccount.get(account)?.size ?? 0;
    for (const stat of top(
      all.filter((s) => size(s) > 0),
      size,
    ))
      put(account, stat, size(stat));
  }
  await batchWriteAll(doc, tableName, requests);

  const snapshot: SnapshotItem & { type: string } = {
    PK: SNAPSHOTS_PK,
    SK: day,
    type: ITEM_TYPES.snapshot,
    day,
    takenAt: now.toISOString(),
    run,
    open: fleet.open,
    accounts,
    fixable: fleet.fixable,
    kev: fleet.kev,
    images: fleet.images,
  };
  try {
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: snapshot,
        ...(options.replace ? {} : { ConditionExpression: "attribute_not_exists(PK)" }),
      }),
    );
  } catch (err) {
    // Another run recorded the day meanwhile; its top list is the current one, ours expires.
    if (isConditionalCheckFailed(err)) return { status: "exists", day };
    throw err;
  }
  return { status: "written", day, accounts: accountItems.length, vulnerabilities: stats.size, openFindings };
}

function addStat(stats: Map<string, VulnStat>, item: Record<string, unknown>): void {
  const id = String(item.id);
  const imageKey = String(item.imageKey);
  const account = String(item.account);
  const level = String((item.severity as { level?: string } | undefined)?.level ?? "UNKNOWN");
  let stat = stats.get(id);
  if (!stat) {
    stat = { id, level, images: new Set(), byAccount: new Map(), fixable: false, kev: false };
    stats.set(id, stat);
  }
  stat.images.add(imageKey);
  const keys = stat.byAccount.get(account) ?? new Set<string>();
  stat.byAccount.set(account, keys);
  keys.add(imageKey);
  // The worst level any source gave it, and fixable / KEV if anywhere so.
  if ((RANK.get(level) ?? 99) < (RANK.get(stat.level) ?? 99)) stat.level = level;
  if (Array.isArray(item.fixedVersions) && item.fixedVersions.length > 0) stat.fixable = true;
  if (item.kev === true) stat.kev = true;
  const epss = item.epss as VulnStat["epss"];
  if (epss && (!stat.epss || epss.probability > stat.epss.probability)) stat.epss = epss;
  if (stat.summary === undefined && typeof item.summary === "string") stat.summary = item.summary;
}

/** The TOP_LIMIT largest by `size`, ties by id. */
function top(stats: VulnStat[], size: (s: VulnStat) => number): VulnStat[] {
  return stats
    .sort((a, b) => size(b) - size(a) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, TOP_LIMIT);
}
