import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { FindingItem } from "../aws/dynamo-finding-item.js";
import { queryAll } from "../aws/dynamo-query-all.js";
import {
  ACCOUNTS_PK1,
  accountPk,
  FINDING_PREFIX,
  FLEET_PK,
  INDEXES,
  imagePk,
  META_SK,
  repositorySummarySk,
  riskPk,
  SNAPSHOTS_PK,
  SUMMARY_SK,
  topVulnerabilityPk,
  vulnerabilityPk,
} from "../aws/table-design.js";
import type { ScanSummary } from "../stores/findings-store.js";
import type {
  AccountRow,
  AffectedImageRow,
  CoverageResponse,
  FindingRow,
  ImageRow,
  Page,
  RepositoryRow,
  SummaryResponse,
  TopVulnerabilityRow,
  TrendResponse,
} from "./api-contract.js";
import {
  accountRow,
  affectedImageRow,
  findingRow,
  imageRow,
  repositoryRow,
  topVulnerabilityRow,
} from "./dashboard-rows.js";
import { type FindingFilter, matchesFilter } from "./finding-filter.js";
import { BadRequestError, decodeKeyCursor, encodeKeyCursor } from "./page-cursor.js";
import { addSeverityCounts, countsFromItem, type SummaryCounts, sumCounts } from "./summary-counts.js";

export interface PageRequest {
  /** 1..500, checked by the router. */
  limit: number;
  cursor?: string;
}

/** The accounts a principal may see; undefined: every account. */
export type AccountScope = ReadonlySet<string> | undefined;

export interface ImageDetailData {
  image: ImageRow;
  findings: FindingRow[];
  latestScan?: ScanSummary;
}

/** What the router needs; DynamoDashboardQueries is the real one. */
export interface DashboardQueries {
  summary(scope: AccountScope, at: { account?: string; repository?: string }): Promise<SummaryResponse>;
  accounts(scope: AccountScope, page: PageRequest): Promise<Page<AccountRow>>;
  repositories(account: string, page: PageRequest): Promise<Page<RepositoryRow>>;
  images(
    scope: AccountScope,
    at: { account?: string; repository?: string },
    page: PageRequest,
  ): Promise<Page<ImageRow>>;
  image(
    imageKey: string,
    filter: FindingFilter & { includeResolved?: boolean },
  ): Promise<ImageDetailData | undefined>;
  topVulnerabilities(
    scope: AccountScope,
    at: { account?: string },
    filter: FindingFilter,
    page: PageRequest,
  ): Promise<Page<TopVulnerabilityRow>>;
  affectedImages(
    scope: AccountScope,
    id: string,
    options: { includeResolved?: boolean },
    page: PageRequest,
  ): Promise<Page<AffectedImageRow>>;
  trend(scope: AccountScope, days: number, today: Date): Promise<TrendResponse>;
  coverage(scope: AccountScope, at: { account?: string }): Promise<CoverageResponse>;
}

/** Query rounds one page may take when a filter drops most items; then the page ends short, with a cursor. */
const MAX_ROUNDS = 8;

const TABLE_KEY_NAMES = ["PK", "SK"];

/** A Query of one index partition, with the key names its cursor holds. */
function indexPartition(index: { name: string; partitionKey: string; sortKey: string }, value: string) {
  return {
    input: {
      IndexName: index.name,
      KeyConditionExpression: "#pk = :pk",
      ExpressionAttributeNames: { "#pk": index.partitionKey },
      ExpressionAttributeValues: { ":pk": value },
    },
    keyNames: indexKeyNames(index),
    partition: { name: index.partitionKey, value },
  };
}
const indexKeyNames = (index: { partitionKey: string; sortKey: string }) => [
  "PK",
  "SK",
  index.partitionKey,
  index.sortKey,
];

interface PagedQuery<T> {
  input: Omit<QueryCommandInput, "TableName" | "ExclusiveStartKey" | "Limit">;
  keyNames: readonly string[];
  partition: { name: string; value: string };
  /** Undefined drops the item (a filter); the page is still filled from later items. */
  map: (item: Record<string, unknown>) => T | undefined;
  filtered: boolean;
}

/**
 * The dashboard's reads: every list is one Query (table or GSI) per page, each single value a key
 * lookup; nothing is a Scan. Pages resume from an opaque cursor of the last returned item's keys.
 */
export class DynamoDashboardQueries implements DashboardQueries {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBDocumentClient | DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc =
      client instanceof DynamoDBDocumentClient
        ? client
        : DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async summary(
    scope: AccountScope,
    at: { account?: string; repository?: string },
  ): Promise<SummaryResponse> {
    const counts = await this.countsFor(scope, at);
    return {
      scope: {
        ...(at.account ? { account: at.account } : {}),
        ...(at.repository ? { repository: at.repository } : {}),
      },
      images: counts.images,
      scans: counts.scans,
      open: counts.open,
      fixable: counts.fixable,
      kev: counts.kev,
    };
  }

  async coverage(scope: AccountScope, at: { account?: string }): Promise<CoverageResponse> {
    const counts = await this.countsFor(scope, at);
    return { pushed: counts.pushed, scanned: counts.scanned, failed: counts.failed };
  }

  accounts(scope: AccountScope, page: PageRequest): Promise<Page<AccountRow>> {
    const index = INDEXES.byAccount;
    return this.page(page, {
      ...indexPartition(index, ACCOUNTS_PK1),
      map: (item) => (inScope(scope, item.account) ? accountRow(item) : undefined),
      filtered: scope !== undefined,
    });
  }

  repositories(account: string, page: PageRequest): Promise<Page<RepositoryRow>> {
    return this.page(page, {
      input: {
        KeyConditionExpression: "PK = :pk AND begins_with(SK, :prefix)",
        ExpressionAttributeValues: { ":pk": accountPk(account), ":prefix": "REPO#" },
      },
      keyNames: TABLE_KEY_NAMES,
      partition: { name: "PK", value: accountPk(account) },
      map: repositoryRow,
      filtered: false,
    });
  }

  images(
    scope: AccountScope,
    at: { account?: string; repository?: string },
    page: PageRequest,
  ): Promise<Page<ImageRow>> {
    const index = INDEXES.byRisk;
    // One allowed account: its own partition is exactly the principal's view.
    const account = at.account ?? (scope?.size === 1 ? [...scope][0] : undefined);
    const partition = riskPk(account === undefined ? {} : { account, repository: at.repository });
    const filtered = account === undefined && scope !== undefined;
    return this.page(page, {
      ...indexPartition(index, partition),
      map: (item) => (!filtered || inScope(scope, item.account) ? imageRow(item) : undefined),
      filtered,
    });
  }

  async image(
    imageKey: string,
    filter: FindingFilter & { includeResolved?: boolean },
  ): Promise<ImageDetailData | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { PK: imagePk(imageKey), SK: META_SK } }),
    );
    if (!out.Item) return undefined;
    const items = (await this.queryAll({
      KeyConditionExpression: "PK = :pk AND begins_with(SK, :prefix)",
      ExpressionAttributeValues: { ":pk": imagePk(imageKey), ":prefix": FINDING_PREFIX },
    })) as unknown as FindingItem[];
    const findings = items
      .filter((item) => filter.includeResolved === true || item.status !== "resolved")
      .map(findingRow)
      .filter((row) => matchesFilter({ ...row, packageName: row.package.name }, filter))
      .sort(compareFindings);
    const latestScan = out.Item.latestScan as ScanSummary | undefined;
    return { image: imageRow(out.Item), findings, ...(latestScan ? { latestScan } : {}) };
  }

  async topVulnerabilities(
    scope: AccountScope,
    at: { account?: string },
    filter: FindingFilter,
    page: PageRequest,
  ): Promise<Page<TopVulnerabilityRow>> {
    const latest = await this.latestSnapshot();
    if (!latest) {
      if (page.cursor !== undefined) throw new BadRequestError("invalid cursor");
      return { items: [] };
    }
    const account = at.account ?? (scope?.size === 1 ? [...scope][0] : undefined);
    const partition = topVulnerabilityPk(String(latest.run), account ?? "FLEET");
    const merged = account === undefined && scope !== undefined;
    return this.page(page, {
      input: {
        KeyConditionExpression: "PK = :pk",
        ExpressionAttributeValues: { ":pk": partition },
      },
      keyNames: TABLE_KEY_NAMES,
      partition: { name: "PK", value: partition },
      map: (item) => {
        // Several allowed accounts: the fleet's list, counting only their images (fleet order).
        let images: number | undefined;
        if (merged) {
          const byAccount = (item.byAccount ?? {}) as Record<string, number>;
          images = [...(scope ?? [])].reduce((n, a) => n + (byAccount[a] ?? 0), 0);
          if (images === 0) return undefined;
        }
        const row = topVulnerabilityRow(item, images);
        return matchesFilter(row, filter) ? row : undefined;
      },
      filtered:
        merged || filter.severity !== undefined || filter.fixable !== undefined || !!filter.kev || !!filter.q,
    });
  }

  affectedImages(
    scope: AccountScope,
    id: string,
    options: { includeResolved?: boolean },
    page: PageRequest,
  ): Promise<Page<AffectedImageRow>> {
    const index = INDEXES.byVulnerability;
    const partition = vulnerabilityPk(id);
    return this.page(page, {
      ...indexPartition(index, partition),
      map: (item) => {
        const finding = item as unknown as FindingItem;
        if (!inScope(scope, finding.account)) return undefined;
        if (finding.status === "resolved" && options.includeResolved !== true) return undefined;
        return affectedImageRow(finding);
      },
      filtered: true,
    });
  }

  async trend(scope: AccountScope, days: number, today: Date): Promise<TrendResponse> {
    const to = today.toISOString().slice(0, 10);
    const from = new Date(today.getTime() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
    const items = await this.queryAll({
      KeyConditionExpression: "PK = :pk AND SK BETWEEN :from AND :to",
      ExpressionAttributeValues: { ":pk": SNAPSHOTS_PK, ":from": from, ":to": to },
    });
    return {
      points: items.map((item) => {
        if (scope === undefined)
          return { day: String(item.day), open: (item.open ?? {}) as Record<string, number> };
        const accounts = (item.accounts ?? {}) as Record<string, Record<string, number>>;
        let open = {};
        for (const account of scope) open = addSeverityCounts(open, accounts[account] ?? {});
        return { day: String(item.day), open };
      }),
    };
  }

  /** The counts item of a repository, an account, the fleet, or the sum of a principal's accounts. */
  private async countsFor(
    scope: AccountScope,
    at: { account?: string; repository?: string },
  ): Promise<SummaryCounts> {
    if (at.account !== undefined) {
      const sk = at.repository === undefined ? SUMMARY_SK : repositorySummarySk(at.repository);
      return countsFromItem(await this.get(accountPk(at.account), sk));
    }
    if (scope === undefined) return countsFromItem(await this.get(FLEET_PK, SUMMARY_SK));
    const keys = [...scope].slice(0, 100).map((account) => ({ PK: accountPk(account), SK: SUMMARY_SK }));
    if (keys.length === 0) return countsFromItem(undefined);
    const out = await this.doc.send(
      new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }),
    );
    // A handful of small items: unprocessed keys (throttling) are read one by one.
    const items = [...(out.Responses?.[this.tableName] ?? [])];
    for (const key of out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) {
      const item = await this.get(String(key.PK), String(key.SK));
      if (item) items.push(item);
    }
    return sumCounts(items.map(countsFromItem));
  }

  private async latestSnapshot(): Promise<Record<string, unknown> | undefined> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "PK = :pk",
        ExpressionAttributeValues: { ":pk": SNAPSHOTS_PK },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    return out.Items?.[0];
  }

  private async get(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { PK: pk, SK: sk } }));
    return out.Item;
  }

  /**
   * One page: Query from the cursor, map (and filter) items until the page is full. The cursor
   * handed out is the keys of the last returned item, so the next page starts right after it
   * whether or not DynamoDB's own page ended there.
   */
  private async page<T>(request: PageRequest, query: PagedQuery<T>): Promise<Page<T>> {
    let start: Record<string, unknown> | undefined = decodeKeyCursor(request.cursor, {
      keys: query.keyNames,
      partition: query.partition,
    });
    const items: T[] = [];
    let last: Record<string, unknown> | undefined;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const want = request.limit - items.length;
      const out = await this.doc.send(
        new QueryCommand({
          ...query.input,
          TableName: this.tableName,
          ExclusiveStartKey: start,
          // One more than needed tells whether a next page exists; filtered lists read ahead.
          Limit: query.filtered ? Math.min(1000, Math.max(100, want * 4)) : want + 1,
        }),
      );
      for (const item of out.Items ?? []) {
        const row = query.map(item);
        if (row === undefined) {
          last = item;
          continue;
        }
        if (items.length === request.limit) return { items, next: this.cursorAt(query.keyNames, last) };
        items.push(row);
        last = item;
      }
      start = out.LastEvaluatedKey;
      if (!start) return { items };
    }
    // Out of rounds (a filter that drops nearly everything): a short page that resumes where it stopped.
    return { items, next: encodeKeyCursor(start as Record<string, unknown>) };
  }

  private cursorAt(
    keyNames: readonly string[],
    item: Record<string, unknown> | undefined,
  ): string | undefined {
    if (!item) return undefined;
    return encodeKeyCursor(Object.fromEntries(keyNames.map((name) => [name, item[name]])));
  }

  private queryAll(input: Omit<QueryCommandInput, "TableName">): Promise<Record<string, unknown>[]> {
    return queryAll(this.doc, this.tableName, input);
  }
}

function inScope(scope: AccountScope, account: unknown): boolean {
  return scope === undefined || (typeof account === "string" && scope.has(account));
}

const SEVERITY_RANK: Record<string, number> = { CRITICAL: 0, HIGH: 1, MEDIUM: 2, LOW: 3, UNKNOWN: 4 };

/** Open before suppressed before resolved, then most severe, KEV, highest score, id. */
function compareFindings(a: FindingRow, b: FindingRow): number {
  const status = { open: 0, suppressed: 1, resolved: 2 };
  return (
    status[a.status] - status[b.status] ||
    (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9) ||
    Number(b.kev) - Number(a.kev) ||
    (b.score ?? -1) - (a.score ?? -1) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}
