import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoFindingsStore } from "../../../lib/aws/dynamo-findings-store.js";
import type { SeverityLevel, VulnerabilityFinding } from "../../../lib/matching/finding.js";
import type { ScanSummary } from "../../../lib/stores/findings-store.js";
import { imageKey, type ScanJob } from "../../../lib/stores/scan-job.js";
import { type AwsEmulators, createTable, startAwsEmulators } from "../../helpers/aws-emulators.js";

let emulators: AwsEmulators;
let tableCount = 0;

beforeAll(async () => {
  emulators = await startAwsEmulators();
});
afterAll(async () => {
  await emulators?.stop();
});

/** A fresh table per test keeps the GSI assertions independent. */
async function freshStore(documentClient = false): Promise<DynamoFindingsStore> {
  const client = emulators.dynamoClient();
  const name = `findings-${++tableCount}`;
  await createTable(client, name);
  // A caller's DocumentClient with default marshalling rejects undefined values: the store sends none.
  return new DynamoFindingsStore(documentClient ? DynamoDBDocumentClient.from(client) : client, name);
}

function job(overrides: Partial<ScanJob> = {}): ScanJob {
  return {
    v: 1,
    provider: "ecr",
    account: "111122223333",
    region: "eu-west-1",
    repository: "team/app",
    digest: `sha256:${"a".repeat(64)}`,
    tag: "v1",
    registry: "111122223333.dkr.ecr.eu-west-1.amazonaws.com",
    reason: "push",
    eventTime: "2025-01-01T00:00:00.000Z",
    ...overrides,
  };
}

function finding(id: string, pkg: string, level: SeverityLevel = "HIGH"): VulnerabilityFinding {
  return {
    id,
    aliases: [id, `GHSA-${id}`],
    advisories: [`DSA-${id}`],
    package: {
      ecosystem: "deb",
      name: pkg,
      version: "1.0-1",
      purl: `pkg:deb/debian/${pkg}@1.0-1`,
      foundIn: "var/lib/dpkg/status",
      layer: { index: 0, diffID: `sha256:${"d".repeat(64)}`, digest: `sha256:${"c".repeat(64)}` },
    },
    fixedVersions: ["1.0-2"],
    status: "fixed",
    severity: { level, source: "debian", score: 7.5 },
    summary: `flaw ${id}`,
    kev: false,
    epss: { probability: 0.1, percentile: 0.5 },
    references: ["https://example.test"],
  };
}

function summary(j: ScanJob, scannedAt: string, findings: VulnerabilityFinding[]): ScanSummary {
  const counts: Record<string, number> = {};
  for (const f of findings) counts[f.severity.level] = (counts[f.severity.level] ?? 0) + 1;
  return {
    imageKey: imageKey(j),
    scannedAt,
    analyzersKey: "analyzers-1",
    dbBuiltAt: "2025-01-01T00:00:00Z",
    counts,
    maxSeverity: findings.length > 0 ? "CRITICAL" : undefined,
    packages: 42,
    reportKey: `reports/${scannedAt}.json`,
  };
}

describe("DynamoFindingsStore.claimScan", () => {
  it("lets exactly one of two claims win", async () => {
    const store = await freshStore();
    expect(await store.claimScan("img", "db1/an1", 600)).toBe(true);
    expect(await store.claimScan("img", "db1/an1", 600)).toBe(false);
    expect(await store.claimScan("img", "db2/an1", 600)).toBe(true);
    expect(await store.claimScan("other", "db1/an1", 600)).toBe(true);
  });

  it("lets exactly one of ten concurrent claims win", async () => {
    const store = await freshStore();
    const results = await Promise.all(Array.from({ length: 10 }, () => store.claimScan("img", "id", 600)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("frees a claim once its TTL has passed, even before DynamoDB deletes it", async () => {
    const client = emulators.dynamoClient();
    const name = `findings-${++tableCount}`;
    await createTable(client, name);
    let now = new Date("2025-01-01T00:00:00Z");
    const store = new DynamoFindingsStore(client, name, { now: () => now });
    expect(await store.claimScan("img", "id", 60)).toBe(true);
    now = new Date("2025-01-01T00:00:30Z");
    expect(await store.claimScan("img", "id", 60)).toBe(false);
    now = new Date("2025-01-01T00:01:01Z");
    expect(await store.claimScan("img", "id", 60)).toBe(true);
  });
});

describe("DynamoFindingsStore.putScan", () => {
  it("records the image, scan and findings and answers every index", async () => {
    const store = await freshStore();
    const j = job();
    const key = imageKey(j);
    const found = [
      finding("CVE-2024-0001", "openssl", "CRITICAL"),
      finding("CVE-2024-0002", "zlib", "HIGH"),
      finding("CVE-2024-0002", "zlib", "HIGH"), // a duplicate must not break the batch
      finding("CVE-2024-0003", "bash", "LOW"),
    ];
    await store.putScan(j, summary(j, "2025-01-01T00:01:00.000Z", found), found);

    const latest = await store.latestScan(key);
    expect(latest).toMatchObject({ imageKey: key, scannedAt: "2025-01-01T00:01:00.000Z", packages: 42 });
    expect(latest?.counts).toEqual({ CRITICAL: 1, HIGH: 2, LOW: 1 });

    const stored = await store.findings(key);
    expect(stored.map((f) => f.id).sort()).toEqual(["CVE-2024-0001", "CVE-2024-0002", "CVE-2024-0003"]);
    const openssl = stored.find((f) => f.package.name === "openssl");
    expect(openssl).toMatchObject({
      aliases: ["CVE-2024-0001", "GHSA-CVE-2024-0001"],
      fixedVersions: ["1.0-2"],
      status: "fixed",
      severity: { level: "CRITICAL", score: 7.5 },
      kev: false,
      epss: { probability: 0.1, percentile: 0.5 },
      package: { layer: { diffID: `sha256:${"d".repeat(64)}` }, purl: "pkg:deb/debian/openssl@1.0-1" },
      references: [],
    });

    const image = await store.image(key);
    expect(image).toMatchObject({
      account: j.account,
      repository: j.repository,
      digest: j.digest,
      status: "active",
      tags: ["v1"],
      openFindings: 3,
      maxSeverity: "CRITICAL",
      pushedAt: j.eventTime,
    });

    // GSI1: by account, and by account + repository.
    expect((await store.imagesByAccount(j.account)).map((i) => i.imageKey)).toEqual([key]);
    expect((await store.imagesByAccount(j.account, "team/app")).map((i) => i.imageKey)).toEqual([key]);
    expect(await store.imagesByAccount(j.account, "team/other")).toEqual([]);
    expect(await store.imagesByAccount("999999999999")).toEqual([]);
    // GSI2: by digest.
    expect((await store.imagesByDigest(j.digest)).map((i) => i.imageKey)).toEqual([key]);
    // GSI3: by vulnerability id.
    const byVuln = await store.findingsByVulnerability("CVE-2024-0002");
    expect(byVuln.map((r) => [r.imageKey, r.finding.package.name, r.status])).toEqual([
      [key, "zlib", "open"],
    ]);
    // GSI4: open by severity, per account.
    expect((await store.openFindingsBySeverity("CRITICAL")).map((r) => r.finding.id)).toEqual([
      "CVE-2024-0001",
    ]);
    expect((await store.openFindingsBySeverity("critical", j.account)).length).toBe(1);
    expect(await store.openFindingsBySeverity("CRITICAL", "999999999999")).toEqual([]);
    expect(await store.openFindingsBySeverity("MEDIUM")).toEqual([]);

    expect(await store.counts(j.account)).toEqual({
      images: 1,
      scans: 1,
      open: { CRITICAL: 1, HIGH: 1, LOW: 1 },
    });
    expect(await store.counts(j.account, j.repository)).toMatchObject({ images: 1, open: { CRITICAL: 1 } });
  });

  it("resolves findings a later scan no longer reports, and they leave GSI4", async () => {
    const store = await freshStore();
    const j = job();
    const key = imageKey(j);
    const first = [
      finding("CVE-1", "a", "CRITICAL"),
      finding("CVE-2", "b", "HIGH"),
      finding("CVE-3", "c", "HIGH"),
    ];
    await store.putScan(j, summary(j, "2025-01-01T01:00:00.000Z", first), first);
    const rescan = job({ reason: "rescan", eventTime: "2025-01-02T00:00:00.000Z", tag: "v2" });
    const second = [finding("CVE-2", "b", "HIGH"), finding("CVE-4", "d", "MEDIUM")];
    await store.putScan(rescan, summary(rescan, "2025-01-02T01:00:00.000Z", second), second);

    expect((await store.latestScan(key))?.scannedAt).toBe("2025-01-02T01:00:00.000Z");
    expect((await store.findings(key)).map((f) => f.id).sort()).toEqual(["CVE-2", "CVE-4"]);
    const records = await store.findingRecords(key);
    const byId = new Map(records.map((r) => [r.finding.id, r]));
    expect(byId.get("CVE-1")).toMatchObject({ status: "resolved", resolvedAt: "2025-01-02T01:00:00.000Z" });
    expect(byId.get("CVE-2")).toMatchObject({
      status: "open",
      firstSeen: "2025-01-01T01:00:00.000Z",
      lastSeen: "2025-01-02T01:00:00.000Z",
    });
    expect(byId.get("CVE-4")).toMatchObject({ status: "open", firstSeen: "2025-01-02T01:00:00.000Z" });

    expect(await store.openFindingsBySeverity("CRITICAL")).toEqual([]);
    expect((await store.openFindingsBySeverity("HIGH")).map((r) => r.finding.id)).toEqual(["CVE-2"]);
    expect((await store.findingsByVulnerability("CVE-1"))[0]?.status).toBe("resolved");

    const image = await store.image(key);
    expect(image).toMatchObject({ tags: ["v1", "v2"], pushedAt: j.eventTime, openFindings: 2 });
    expect(await store.counts(j.account)).toEqual({
      images: 1,
      scans: 2,
      open: { CRITICAL: 0, HIGH: 1, MEDIUM: 1 },
    });
  });

  it("keeps images with the same digest in two repositories apart", async () => {
    const store = await freshStore(true);
    const a = job();
    const b = job({ repository: "team/copy", tag: undefined });
    await store.putScan(a, summary(a, "2025-01-01T01:00:00.000Z", []), []);
    await store.putScan(b, summary(b, "2025-01-01T02:00:00.000Z", []), []);
    expect((await store.imagesByDigest(a.digest)).map((i) => i.repository).sort()).toEqual([
      "team/app",
      "team/copy",
    ]);
    expect((await store.imagesByAccount(a.account)).map((i) => i.repository)).toEqual([
      "team/app",
      "team/copy",
    ]);
    expect(await store.image(imageKey(b))).toMatchObject({ tags: [] });
    expect(await store.latestScan("ecr#none")).toBeUndefined();
    expect(await store.findings("ecr#none")).toEqual([]);
  });
});

describe("DynamoFindingsStore.markDeleted", () => {
  it("marks the image deleted and resolves its open findings", async () => {
    const store = await freshStore();
    const j = job();
    const key = imageKey(j);
    const found = [finding("CVE-1", "a", "CRITICAL"), finding("CVE-2", "b", "LOW")];
    await store.putScan(j, summary(j, "2025-01-01T01:00:00.000Z", found), found);
    await store.markDeleted(key, "2025-01-03T00:00:00.000Z");

    expect(await store.image(key)).toMatchObject({
      status: "deleted",
      deletedAt: "2025-01-03T00:00:00.000Z",
    });
    expect(await store.findings(key)).toEqual([]);
    const records = await store.findingRecords(key);
    expect(records.map((r) => [r.status, r.resolvedAt])).toEqual([
      ["resolved", "2025-01-03T00:00:00.000Z"],
      ["resolved", "2025-01-03T00:00:00.000Z"],
    ]);
    expect(await store.openFindingsBySeverity("CRITICAL")).toEqual([]);
    expect(await store.openFindingsBySeverity("LOW")).toEqual([]);
    expect(await store.counts(j.account)).toEqual({ images: 0, scans: 1, open: { CRITICAL: 0, LOW: 0 } });

    // Idempotent: a replayed delete event changes nothing.
    await store.markDeleted(key, "2025-01-04T00:00:00.000Z");
    expect((await store.counts(j.account)).images).toBe(0);
    // An image never scanned is a no-op.
    await store.markDeleted("ecr#unknown", "2025-01-04T00:00:00.000Z");
    expect(await store.image("ecr#unknown")).toBeUndefined();
  });
});

describe("DynamoFindingsStore at scale", () => {
  it("stores and reads back 5,000 findings of one image, then resolves most of them", async () => {
    const store = await freshStore();
    const j = job();
    const key = imageKey(j);
    const levels: SeverityLevel[] = ["CRITICAL", "HIGH", "MEDIUM", "LOW"];
    const many = Array.from({ length: 5000 }, (_, i) => {
      const f = finding(`CVE-2024-${String(i).padStart(5, "0")}`, `pkg-${i % 700}`, levels[i % 4]);
      // Long alias lists and paths are capped so items stay far below 400 KB.
      f.aliases = Array.from({ length: 500 }, (_, k) => `ALIAS-${i}-${k}`);
      f.summary = "x".repeat(10_000);
      return f;
    });
    await store.putScan(j, summary(j, "2025-01-01T01:00:00.000Z", many), many);
    const stored = await store.findings(key);
    expect(stored).toHaveLength(5000);
    expect(stored[0]?.aliases.length).toBeLessThanOrEqual(20);
    expect((await store.openFindingsBySeverity("CRITICAL")).length).toBe(1250);

    const fewer = many.slice(0, 100);
    await store.putScan(j, summary(j, "2025-01-02T01:00:00.000Z", fewer), fewer);
    expect(await store.findings(key)).toHaveLength(100);
    expect((await store.findingRecords(key)).filter((r) => r.status === "resolved")).toHaveLength(4900);
    expect((await store.openFindingsBySeverity("CRITICAL")).length).toBe(25);
  });
});
