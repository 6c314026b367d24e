import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoFindingsStore } from "../../lib/aws/dynamo-findings-store.js";
import type { Page } from "../../lib/dashboard/api-contract.js";
import {
  type AccountScope,
  DynamoDashboardQueries,
  type PageRequest,
} from "../../lib/dashboard/dashboard-queries.js";
import { takeDashboardSnapshot } from "../../lib/dashboard/dashboard-snapshot.js";
import { BadRequestError, encodeKeyCursor } from "../../lib/dashboard/page-cursor.js";
import { silentLogger } from "../../lib/logger.js";
import { syncInventory } from "../../lib/pipeline/inventory-sync.js";
import type { ScanJob } from "../../lib/stores/scan-job.js";
import { type AwsEmulators, createTable, startAwsEmulators } from "../helpers/aws-emulators.js";
import { type SeededFleet, seedFleet } from "../helpers/dashboard-seed.js";
import { imagesByVulnerability, openCountsOf, riskOf } from "./fleet-truth.js";

const NOW = new Date("2026-03-01T12:00:00Z");
let emulators: AwsEmulators;
let store: DynamoFindingsStore;
let queries: DynamoDashboardQueries;
let fleet: SeededFleet;
let tables = 0;

async function freshTable(): Promise<{
  store: DynamoFindingsStore;
  queries: DynamoDashboardQueries;
  doc: DynamoDBDocumentClient;
  name: string;
}> {
  const client = emulators.dynamoClient();
  const name = `dashboard-${++tables}`;
  await createTable(client, name);
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    store: new DynamoFindingsStore(doc, name),
    queries: new DynamoDashboardQueries(doc, name),
    doc,
    name,
  };
}

/** Every page of a list, checking each page's size along the way. */
async function walk<T>(read: (page: PageRequest) => Promise<Page<T>>, limit: number): Promise<T[]> {
  const rows: T[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = await read({ limit, ...(cursor ? { cursor } : {}) });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    rows.push(...page.items);
    cursor = page.next;
    if (!cursor) return rows;
    // A page that promises more is full, unless a filter ended it early.
  }
  throw new Error("pagination did not end");
}

beforeAll(async () => {
  emulators = await startAwsEmulators();
  const t = await freshTable();
  store = t.store;
  queries = t.queries;
  // 3 accounts (two ECR, one GAR project) × 3 repositories × 5 images, ~60 findings each: ~2,700 findings.
  fleet = await seedFleet(store, {
    accounts: 3,
    reposPerAccount: 3,
    imagesPerRepo: 5,
    findingsPerImage: 60,
    seed: 7,
  });
  expect(fleet.images.reduce((n, i) => n + i.findings.length, 0)).toBeGreaterThan(2000);
  await takeDashboardSnapshot({ doc: t.doc, tableName: t.name, now: NOW });
}, 120_000);
afterAll(async () => {
  await emulators?.stop();
});

describe("DynamoDashboardQueries on a seeded fleet", () => {
  it("summarises the fleet, an account and a repository from the ADDed counts", async () => {
    const fleetSummary = await queries.summary(undefined, {});
    expect(fleetSummary.open).toEqual(openCountsOf(fleet.images));
    expect(fleetSummary.images).toBe(fleet.images.length);
    expect(fleetSummary.scans).toBe(fleet.images.length);
    const all = fleet.images.flatMap((i) => i.findings);
    expect(fleetSummary.fixable).toBe(all.filter((f) => f.fixedVersions.length > 0).length);
    expect(fleetSummary.kev).toBe(all.filter((f) => f.kev).length);

    const account = fleet.accounts[1] as string;
    const mine = fleet.images.filter((i) => i.job.account === account);
    expect(await queries.summary(undefined, { account })).toMatchObject({
      scope: { account },
      images: mine.length,
      open: openCountsOf(mine),
    });
    const repository = mine[0]?.job.repository as string;
    const repo = mine.filter((i) => i.job.repository === repository);
    expect(await queries.summary(undefined, { account, repository })).toMatchObject({
      images: repo.length,
      open: openCountsOf(repo),
    });
    // A principal limited to two accounts sees the sum of those two.
    const two = new Set(fleet.accounts.slice(0, 2));
    expect((await queries.summary(two, {})).open).toEqual(
      openCountsOf(fleet.images.filter((i) => two.has(i.job.account))),
    );
  });

  it("lists accounts and an account's repositories page by page", async () => {
    const accounts = await walk((p) => queries.accounts(undefined, p), 1);
    expect(accounts.map((a) => a.account).sort()).toEqual([...fleet.accounts].sort());
    const gar = accounts.find((a) => a.account.startsWith("project-"));
    expect(gar).toMatchObject({ provider: "gar", images: 15 });
    const scoped = await walk((p) => queries.accounts(new Set([fleet.accounts[2] as string]), p), 1);
    expect(scoped.map((a) => a.account)).toEqual([fleet.accounts[2]]);

    const account = fleet.accounts[0] as string;
    const repositories = await walk((p) => queries.repositories(account, p), 2);
    const expected = [
      ...new Set(fleet.images.filter((i) => i.job.account === account).map((i) => i.job.repository)),
    ];
    expect(repositories.map((r) => r.repository).sort()).toEqual(expected.sort());
    expect(repositories.every((r) => r.images === 5)).toBe(true);
  });

  it("pages through every image riskiest first, with no duplicates and no gaps", async () => {
    const rows = await walk((p) => queries.images(undefined, {}, p), 7);
    expect(rows.map((r) => r.imageKey).sort()).toEqual(fleet.images.map((i) => i.imageKey).sort());
    const risks = rows.map((r) => r.risk);
    expect(risks).toEqual([...risks].sort((a, b) => b - a));
    const byKey = new Map(fleet.images.map((i) => [i.imageKey, i]));
    for (const row of rows) {
      const image = byKey.get(row.imageKey);
      expect(row.risk).toBe(riskOf(image as (typeof fleet.images)[number]));
      expect(row.open).toEqual(openCountsOf([image as (typeof fleet.images)[number]]));
    }
    expect(rows[0]).toMatchObject({ status: "active", tags: [expect.stringMatching(/^v1\./)] });
  });

  it("lists one account's and one repository's images, and only allowed accounts' for a scoped principal", async () => {
    const account = fleet.accounts[0] as string;
    const repository = fleet.images.find((i) => i.job.account === account)?.job.repository as string;
    const inAccount = await walk((p) => queries.images(undefined, { account }, p), 4);
    expect(inAccount.map((r) => r.imageKey).sort()).toEqual(
      fleet.images
        .filter((i) => i.job.account === account)
        .map((i) => i.imageKey)
        .sort(),
    );
    const inRepo = await walk((p) => queries.images(undefined, { account, repository }, p), 2);
    expect(inRepo.map((r) => r.imageKey).sort()).toEqual(
      fleet.images
        .filter((i) => i.job.account === account && i.job.repository === repository)
        .map((i) => i.imageKey)
        .sort(),
    );
    const two: AccountScope = new Set([fleet.accounts[0] as string, fleet.accounts[2] as string]);
    const scoped = await walk((p) => queries.images(two, {}, p), 5);
    expect(scoped.map((r) => r.imageKey).sort()).toEqual(
      fleet.images
        .filter((i) => two.has(i.job.account))
        .map((i) => i.imageKey)
        .sort(),
    );
  });

  it("answers an image's detail with its findings, layers and filters", async () => {
    const image = fleet.images[3] as (typeof fleet.images)[number];
    const detail = await queries.image(image.imageKey, {});
    expect(detail?.image.imageKey).toBe(image.imageKey);
    expect(detail?.findings).toHaveLength(image.findings.length);
    expect(detail?.findings[0]?.layer.diffId).toMatch(/^sha256:/);
    expect(detail?.latestScan?.reportKey).toBe(image.summary.reportKey);
    const critical = await queries.image(image.imageKey, { severity: new Set(["CRITICAL"]) });
    expect(critical?.findings.length).toBe(
      image.findings.filter((f) => f.severity.level === "CRITICAL").length,
    );
    const fixable = await queries.image(image.imageKey, { fixable: true });
    expect(fixable?.findings.length).toBe(image.findings.filter((f) => f.fixedVersions.length > 0).length);
    const id = image.findings[0]?.id as string;
    const byQ = await queries.image(image.imageKey, { q: id.toLowerCase() });
    expect(byQ?.findings.every((f) => f.id === id || f.aliases.includes(id))).toBe(true);
    expect(await queries.image(`${image.imageKey.slice(0, -4)}0000`, {})).toBeUndefined();
  });

  it("ranks the top vulnerabilities by images affected (as of the snapshot), fleet and per account", async () => {
    const truth = imagesByVulnerability(fleet.images);
    const rows = await walk((p) => queries.topVulnerabilities(undefined, {}, {}, p), 37);
    expect(rows.length).toBe(Math.min(500, truth.size));
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    for (const row of rows) expect(row.images).toBe(truth.get(row.id)?.size);
    const counts = rows.map((r) => r.images);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));

    const account = fleet.accounts[2] as string;
    const mine = imagesByVulnerability(fleet.images.filter((i) => i.job.account === account));
    const accountRows = await walk((p) => queries.topVulnerabilities(undefined, { account }, {}, p), 50);
    expect(accountRows.length).toBe(mine.size);
    for (const row of accountRows) expect(row.images).toBe(mine.get(row.id)?.size);

    const kev = await walk((p) => queries.topVulnerabilities(undefined, {}, { kev: true }, p), 5);
    expect(kev.length).toBeGreaterThan(0);
    expect(kev.every((r) => r.kev)).toBe(true);
  });

  it("lists the images where one vulnerability is present", async () => {
    const truth = imagesByVulnerability(fleet.images);
    const [id, keys] = [...truth].sort((a, b) => b[1].size - a[1].size)[0] as [string, Set<string>];
    const rows = await walk((p) => queries.affectedImages(undefined, id, {}, p), 5);
    expect(new Set(rows.map((r) => r.imageKey))).toEqual(keys);
    expect(rows.every((r) => r.status === "open")).toBe(true);
    const account = fleet.accounts[0] as string;
    const scoped = await walk((p) => queries.affectedImages(new Set([account]), id, {}, p), 5);
    expect(scoped.every((r) => r.account === account)).toBe(true);
    expect(new Set(scoped.map((r) => r.imageKey))).toEqual(
      new Set([...keys].filter((k) => k.split("#")[1] === account)),
    );
  });

  it("refuses a forged or foreign cursor instead of reading from it", async () => {
    const forged = encodeKeyCursor({ PK: "IMAGE#x", SK: "META", PK5: "RISK#other", SK5: "0" });
    await expect(queries.images(undefined, {}, { limit: 5, cursor: forged })).rejects.toBeInstanceOf(
      BadRequestError,
    );
    await expect(queries.images(undefined, {}, { limit: 5, cursor: "!!" })).rejects.toBeInstanceOf(
      BadRequestError,
    );
    await expect(
      queries.images(
        undefined,
        {},
        { limit: 5, cursor: Buffer.from('{"k":{"PK":1}}').toString("base64url") },
      ),
    ).rejects.toBeInstanceOf(BadRequestError);
    // A cursor from the fleet list does not open an account's partition.
    const page = await queries.images(undefined, {}, { limit: 2 });
    await expect(
      queries.images(
        undefined,
        { account: fleet.accounts[0] as string },
        { limit: 2, cursor: page.next as string },
      ),
    ).rejects.toBeInstanceOf(BadRequestError);
  });

  it("reads the trend from daily snapshots", async () => {
    const trend = await queries.trend(undefined, 30, NOW);
    expect(trend.points).toEqual([{ day: "2026-03-01", open: openCountsOf(fleet.images) }]);
    const account = fleet.accounts[1] as string;
    const scoped = await queries.trend(new Set([account]), 30, NOW);
    expect(scoped.points[0]?.open).toEqual(
      openCountsOf(fleet.images.filter((i) => i.job.account === account)),
    );
    expect((await queries.trend(undefined, 1, new Date("2026-03-05T00:00:00Z"))).points).toEqual([]);
  });
});

describe("dashboard counts as images change", () => {
  it("tracks coverage: pushed (intake, inventory), scanned, failed until a scan succeeds", async () => {
    const t = await freshTable();
    const job = (n: number, account = "111122223333"): ScanJob => ({
      v: 1,
      provider: "ecr",
      account,
      region: "eu-west-1",
      repository: "app",
      digest: `sha256:${String(n).padStart(64, "0")}`,
      registry: `${account}.dkr.ecr.eu-west-1.amazonaws.com`,
      reason: "push",
      eventTime: "2026-02-01T00:00:00.000Z",
    });
    await t.store.recordPushed(job(1));
    await t.store.recordPushed(job(1)); // a redelivered event counts once
    await t.store.recordPushed(job(2));
    // The inventory sync reports an image that never had a push event.
    await syncInventory({
      sources: [
        {
          name: "ecr",
          candidates: (async function* () {
            yield { job: { ...job(3), reason: "inventory" } };
          })(),
        },
      ],
      scanned: (keys) => t.store.scannedImageKeys(keys),
      queue: { enqueue: async () => {} },
      recordPushed: (j) => t.store.recordPushed(j),
      logger: silentLogger,
    });
    await t.store.recordScanFailed(job(2), "Error: boom");
    await t.store.recordScanFailed(job(2), "Error: boom again");
    expect(await t.queries.coverage(undefined, {})).toEqual({ pushed: 3, scanned: 0, failed: 1 });
    const summary = (j: ScanJob) => ({
      imageKey: `ecr#${j.account}#eu-west-1#app@${j.digest}`,
      scannedAt: "2026-02-01T00:01:00.000Z",
      analyzersKey: "k",
      counts: {},
      packages: 1,
    });
    await t.store.putScan(job(1), summary(job(1)), []);
    await t.store.putScan(job(2), summary(job(2)), []);
    await t.store.putScan(job(2), { ...summary(job(2)), scannedAt: "2026-02-02T00:00:00.000Z" }, []);
    expect(await t.queries.coverage(undefined, {})).toEqual({ pushed: 3, scanned: 2, failed: 0 });
    expect(await t.queries.coverage(undefined, { account: "111122223333" })).toEqual({
      pushed: 3,
      scanned: 2,
      failed: 0,
    });
  });

  it("moves an image in the risk lists when a rescan, a delete or a newer digest changes its findings", async () => {
    const t = await freshTable();
    const seeded = await seedFleet(t.store, {
      accounts: 1,
      reposPerAccount: 1,
      imagesPerRepo: 3,
      findingsPerImage: 20,
      seed: 3,
    });
    const [a, b, c] = seeded.images as [
      (typeof seeded.images)[number],
      (typeof seeded.images)[number],
      (typeof seeded.images)[number],
    ];
    const order = async () =>
      (await walk((p) => t.queries.images(undefined, {}, p), 10)).map((r) => [r.imageKey, r.risk] as const);
    expect((await order()).map(([, risk]) => risk)).toEqual([a, b, c].map(riskOf).sort((x, y) => y - x));

    // A rescan that finds nothing leaves the image at risk 0, last.
    await t.store.putScan(a.job, { ...a.summary, scannedAt: "2026-02-01T00:00:00.000Z", counts: {} }, []);
    expect((await order()).at(-1)).toEqual([a.imageKey, 0]);
    const account = a.job.account;
    const repoRows = await walk(
      (p) => t.queries.images(undefined, { account, repository: a.job.repository }, p),
      10,
    );
    expect(repoRows.find((r) => r.imageKey === a.imageKey)?.risk).toBe(0);

    // Deleted: out of every images list, and out of the counts.
    await t.store.markDeleted(b.imageKey, "2026-02-02T00:00:00.000Z");
    expect((await order()).map(([key]) => key)).not.toContain(b.imageKey);
    expect(
      (await walk((p) => t.queries.images(undefined, { account }, p), 10)).map((r) => r.imageKey),
    ).not.toContain(b.imageKey);
    expect((await t.queries.summary(undefined, {})).open).toEqual(openCountsOf([c]));

    // A newer digest under c's tag without its findings: c's superseded findings leave its risk.
    const newer: ScanJob = {
      ...c.job,
      digest: `sha256:${"e".repeat(64)}`,
      eventTime: "2026-02-03T00:00:00.000Z",
    };
    await t.store.putScan(
      newer,
      { ...c.summary, imageKey: "", scannedAt: "2026-02-03T00:01:00.000Z", counts: {} },
      [],
    );
    const after = new Map(await order());
    expect(after.get(c.imageKey)).toBe(0);
    expect((await t.queries.summary(undefined, {})).open).toEqual({});
  });

  it("takes one snapshot per day", async () => {
    const t = await freshTable();
    await seedFleet(t.store, {
      accounts: 1,
      reposPerAccount: 1,
      imagesPerRepo: 2,
      findingsPerImage: 5,
      seed: 1,
    });
    expect((await takeDashboardSnapshot({ doc: t.doc, tableName: t.name, now: NOW })).status).toBe("written");
    expect(
      await takeDashboardSnapshot({ doc: t.doc, tableName: t.name, now: new Date("2026-03-01T23:00:00Z") }),
    ).toEqual({
      status: "exists",
      day: "2026-03-01",
    });
  });
});
