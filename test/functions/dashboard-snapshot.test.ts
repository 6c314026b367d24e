import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHandler } from "../../functions/dashboard-snapshot.js";
import { DynamoFindingsStore } from "../../lib/aws/dynamo-findings-store.js";
import { DynamoDashboardQueries } from "../../lib/dashboard/dashboard-queries.js";
import { takeDashboardSnapshot } from "../../lib/dashboard/dashboard-snapshot.js";
import { silentLogger } from "../../lib/logger.js";
import { openCountsOf } from "../dashboard/fleet-truth.js";
import { type AwsEmulators, createTable, startAwsEmulators } from "../helpers/aws-emulators.js";
import { seedFleet } from "../helpers/dashboard-seed.js";

let emulators: AwsEmulators;

beforeAll(async () => {
  emulators = await startAwsEmulators();
});
afterAll(async () => {
  await emulators?.stop();
});

describe("dashboard-snapshot handler", () => {
  it("keeps one snapshot per day, replaced by each run, and the trend grows by a day each day", async () => {
    const client = emulators.dynamoClient();
    await createTable(client, "snap");
    const doc = DynamoDBDocumentClient.from(client);
    const store = new DynamoFindingsStore(client, "snap");
    const queries = new DynamoDashboardQueries(client, "snap");
    const fleet = await seedFleet(store, {
      accounts: 2,
      reposPerAccount: 1,
      imagesPerRepo: 3,
      findingsPerImage: 15,
      seed: 9,
    });
    let now = new Date("2026-03-01T00:05:00Z");
    const handler = createHandler({ doc, tableName: "snap", now: () => now, logger: silentLogger });

    const first = await handler({});
    expect(first).toMatchObject({ status: "written", day: "2026-03-01", accounts: 2 });
    // The handler replaces today's point on each run; a run that must not replace leaves it alone.
    expect(await handler({})).toMatchObject({ status: "written", day: "2026-03-01" });
    expect(await takeDashboardSnapshot({ doc, tableName: "snap", now })).toEqual({
      status: "exists",
      day: "2026-03-01",
    });

    // The next day, after one image was deleted.
    await store.markDeleted(fleet.images[0]?.imageKey as string, "2026-03-01T12:00:00.000Z");
    now = new Date("2026-03-02T00:05:00Z");
    expect(await handler({})).toMatchObject({ status: "written", day: "2026-03-02" });
    const trend = await queries.trend(undefined, 30, now);
    expect(trend.points).toEqual([
      { day: "2026-03-01", open: openCountsOf(fleet.images) },
      { day: "2026-03-02", open: openCountsOf(fleet.images.slice(1)) },
    ]);
    // Each run's top list is its own partition; the first expires by TTL.
    const runs = await doc.send(
      new QueryCommand({
        TableName: "snap",
        KeyConditionExpression: "PK = :pk",
        ExpressionAttributeValues: { ":pk": "SNAPSHOTS" },
      }),
    );
    expect(runs.Items?.map((i) => i.run)).toEqual(["2026-03-01T00:05:00.000Z", "2026-03-02T00:05:00.000Z"]);
    const top = await queries.topVulnerabilities(undefined, {}, {}, { limit: 500 });
    const deletedOnly = fleet.images[0]?.findings
      .map((f) => f.id)
      .filter((id) => !fleet.images.slice(1).some((i) => i.findings.some((f) => f.id === id)));
    for (const id of deletedOnly ?? []) expect(top.items.map((r) => r.id)).not.toContain(id);
    expect(top.items.length).toBeGreaterThan(0);
  });
});
