import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import type { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHandler, runFromEnv } from "../../functions/db-update.js";
import { S3RangeSource } from "../../lib/aws/s3-range-source.js";
import { silentLogger } from "../../lib/logger.js";
import { openDatabase } from "../../lib/vulndb/db/db-reader.js";
import { DbBucket } from "../../lib/vulndb/publish/db-bucket.js";
import { dbLayout, parseManifest } from "../../lib/vulndb/publish/db-manifest.js";
import type { DbUpdatedDetail } from "../../lib/vulndb/publish/db-updated-event.js";
import { selectFeeds } from "../../lib/vulndb/publish/feed-selection.js";
import type { DbUpdateRun } from "../../lib/vulndb/publish/update-and-publish.js";
import { ALPINE_SECDB_RELEASES, nvdYears } from "../../lib/vulndb/update/default-feeds.js";
import { type AwsEmulators, startAwsEmulators } from "../helpers/aws-emulators.js";
import {
  type FeedMirror,
  osvExportZip,
  readOsvLines,
  secdbAndNvdFiles,
  startFeedMirror,
} from "../helpers/feed-mirror.js";

const fixture = (path: string) => new URL(`../fixtures/advisories/${path}`, import.meta.url);
const GO = readOsvLines(fixture("osv/go.jsonl.gz"));
const PYPI = readOsvLines(fixture("osv/pypi.jsonl.gz"));
const BUCKET = "portcullis-db";
const CURRENT_KEY = "db/portcullis.db";
const layout = dbLayout();

let aws: AwsEmulators;
let s3: S3Client;
let mirror: FeedMirror;
let work: string;
const events: PutEventsRequestEntry[] = [];
const metrics: string[] = [];
let clock = Date.parse("2025-01-10T00:00:00Z");

const ok = (body: Buffer) => ({ kind: "ok" as const, body });
const goFeed = (records: ReadonlyArray<Record<string, unknown>>) => ok(osvExportZip(records));

beforeAll(async () => {
  aws = await startAwsEmulators([BUCKET]);
  s3 = aws.s3Client();
  work = await mkdtemp(join(tmpdir(), "db-update-"));
  mirror = await startFeedMirror({
    "/osv/Go/all.zip": goFeed(GO.slice(0, 300)),
    "/osv/PyPI/all.zip": ok(osvExportZip(PYPI.slice(0, 200))),
    "/debian-tracker.json": ok(readFileSync(fixture("debian-tracker/vunnel-debian.json"))),
    "/known_exploited_vulnerabilities.json": ok(
      readFileSync(fixture("enrichment/known_exploited_vulnerabilities.json")),
    ),
    "/epss_scores-current.csv.gz": ok(readFileSync(fixture("enrichment/epss_scores-2025-01-10.csv.gz"))),
    ...Object.fromEntries(
      Object.entries(
        secdbAndNvdFiles({
          "/secdb/v3.20/main.json": readFileSync(fixture("secdb/claircore-v3.10-community.json")),
          "/nvd/nvdcve-2.0-2024.json.gz": gzipSync(
            readFileSync(fixture("enrichment/nvdcve-2.0-sample.json")),
          ),
        }),
      ).map(([path, body]) => [path, ok(body)]),
    ),
  });
});

afterAll(async () => {
  await mirror?.close();
  await aws?.stop();
  await rm(work, { recursive: true, force: true });
});

function handler(keepVersions = 2) {
  const run: DbUpdateRun = {
    ...runFromEnv(
      {
        DB_BUCKET: BUCKET,
        DB_KEY: CURRENT_KEY,
        FEED_MIRRORS: mirror.base,
        FEED_MIRRORS_ONLY: "true",
        OSV_ECOSYSTEMS: "Go,PyPI",
        KEEP_VERSIONS: String(keepVersions),
        WORK_DIR: work,
      },
      { s3, events: { putEvent: async (entry) => void events.push(entry) } },
      silentLogger,
    ),
    retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
    now: () => new Date(clock),
  };
  return createHandler({ run, logger: silentLogger, countMetric: (name) => metrics.push(name) });
}

const bucket = () => new DbBucket(s3, BUCKET);
const currentManifest = async () =>
  parseManifest((await bucket().get(layout.manifestKey)) as Buffer, "manifest");
const lastDetail = (): DbUpdatedDetail => JSON.parse(events.at(-1)?.Detail ?? "null") as DbUpdatedDetail;
const versionKeys = async () => (await bucket().list(layout.versionsPrefix)).sort();

/** What must not move when an update fails: the current DB bytes, the manifest, the versions. */
async function publishedState() {
  return {
    current: (await bucket().get(CURRENT_KEY))?.toString("base64").slice(0, 4096),
    size: (await bucket().get(CURRENT_KEY))?.length,
    manifest: (await bucket().get(layout.manifestKey))?.toString("utf8"),
    versions: await versionKeys(),
  };
}

describe("db-update handler against s3rver and a local feed mirror", () => {
  it("feeds come from the configured mirror only, for the ecosystems in use", () => {
    const feeds = selectFeeds({ mirrors: ["http://127.0.0.1:1"], ecosystems: ["Go"], mirrorsOnly: true });
    expect(feeds.map((f) => f.name)).toEqual([
      "osv:Go",
      "debian-tracker",
      "kev",
      "epss",
      ...ALPINE_SECDB_RELEASES.flatMap((r) => [`secdb:${r}/main`, `secdb:${r}/community`]),
      ...nvdYears().map((year) => `nvd:${year}`),
    ]);
    for (const url of feeds.flatMap((f) => f.urls)) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:1\//);
  });

  it("publishes the first build where the workers read it, with a manifest, and announces everything as added", async () => {
    const summary = await handler()({ id: "first" });
    const manifest = await currentManifest();
    expect(manifest).toMatchObject({
      manifestVersion: 1,
      schemaVersion: 1,
      builtAt: "2025-01-10T00:00:00.000Z",
      key: "db/versions/2025-01-10T00-00-00-000Z.db",
      indexKey: "db/versions/2025-01-10T00-00-00-000Z.index.json.gz",
    });
    expect(manifest.previous).toBeUndefined();
    expect(manifest.sources.map((s) => s.name)).toEqual([
      "osv-PyPI.zip",
      "osv-Go.zip",
      "debian-tracker.json",
      "known_exploited_vulnerabilities.json",
      "epss_scores-current.csv.gz",
      ...ALPINE_SECDB_RELEASES.flatMap((r) => [
        `alpine-secdb-${r}-main.json`,
        `alpine-secdb-${r}-community.json`,
      ]),
      ...nvdYears().map((year) => `nvdcve-2.0-${year}.json.gz`),
    ]);
    // The secdb served for v3.20 and the NVD sample for 2024 are real files: their records count.
    expect(manifest.counts.enrichments).toBeGreaterThan(0);
    expect(summary).toMatchObject({
      advisories: manifest.counts.advisories,
      added: manifest.counts.advisories,
    });

    // The worker's contract: DB_BUCKET + DB_KEY opened in place by ranged GETs.
    const db = await openDatabase(await S3RangeSource.open(s3, { bucket: BUCKET, key: CURRENT_KEY }));
    expect(db.size).toBe(manifest.size);
    expect(db.metadata.builtAt).toBe(manifest.builtAt);
    expect((await db.advisory(String(GO[0]?.id)))?.id).toBe(GO[0]?.id);
    await db.close();
    const current = await bucket().get(CURRENT_KEY);
    expect(current?.equals((await bucket().get(manifest.key)) as Buffer)).toBe(true);

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ Source: "portcullis", DetailType: "Portcullis DB Updated" });
    const detail = lastDetail();
    expect(detail).toMatchObject({
      version: 1,
      bucket: BUCKET,
      key: CURRENT_KEY,
      versionKey: manifest.key,
      sha256: manifest.sha256,
      changes: { added: manifest.counts.advisories, modified: 0, removed: 0 },
      truncated: false,
    });
    expect(detail.previousBuiltAt).toBeUndefined();
    expect(detail.ecosystems.Go?.addedCount).toBe(300);
    expect(detail.ecosystems.PyPI?.addedCount).toBe(200);
    expect(Object.keys(detail.ecosystems)).toContain("Debian");
    expect(metrics).toEqual(["DbUpdated"]);
  });

  it("reports the advisories added and modified since the previous build, per ecosystem", async () => {
    clock += 6 * 3600_000;
    const changed = { ...GO[5], details: "rewritten upstream", modified: "2025-01-10T03:00:00Z" };
    mirror.set("/osv/Go/all.zip", goFeed([...GO.slice(0, 5), changed, ...GO.slice(6, 300)]));
    mirror.set("/osv/PyPI/all.zip", ok(osvExportZip(PYPI.slice(0, 201))));
    await handler()({ id: "second" });

    const detail = lastDetail();
    expect(detail.previousBuiltAt).toBe("2025-01-10T00:00:00.000Z");
    expect(detail.builtAt).toBe("2025-01-10T06:00:00.000Z");
    expect(detail.changes).toEqual({ added: 1, modified: 1, removed: 0 });
    expect(detail.ecosystems).toEqual({
      Go: {
        addedCount: 0,
        modifiedCount: 1,
        removedCount: 0,
        added: [],
        modified: [GO[5]?.id],
        removed: [],
        truncated: false,
      },
      PyPI: {
        addedCount: 1,
        modifiedCount: 0,
        removedCount: 0,
        added: [PYPI[200]?.id],
        modified: [],
        removed: [],
        truncated: false,
      },
    });
    const manifest = await currentManifest();
    expect(manifest.previous).toMatchObject({
      builtAt: "2025-01-10T00:00:00.000Z",
      key: "db/versions/2025-01-10T00-00-00-000Z.db",
    });
  });

  it.each([
    ["a mirror answering 500", { kind: "error" as const, status: 500 }],
    [
      "a truncated download",
      {
        kind: "truncate" as const,
        body: readFileSync(fixture("enrichment/known_exploited_vulnerabilities.json")),
        bytes: 100,
      },
    ],
  ])("keeps the published DB after %s, counts DbUpdateFailed and rethrows", async (_name, serve) => {
    clock += 6 * 3600_000;
    const before = await publishedState();
    const sent = events.length;
    metrics.length = 0;
    mirror.set("/known_exploited_vulnerabilities.json", serve);
    try {
      await expect(handler()({ id: "failing" })).rejects.toMatchObject({
        name: "DbUpdateError",
        message: expect.stringMatching(/kev: .*(HTTP 500|truncated|terminated|aborted)/),
      });
    } finally {
      mirror.set(
        "/known_exploited_vulnerabilities.json",
        ok(readFileSync(fixture("enrichment/known_exploited_vulnerabilities.json"))),
      );
    }
    expect(await publishedState()).toEqual(before);
    expect(events).toHaveLength(sent);
    expect(metrics).toEqual(["DbUpdateFailed"]);
  });

  it("refuses a build that lost most of an ecosystem, keeping the published DB", async () => {
    clock += 6 * 3600_000;
    const before = await publishedState();
    metrics.length = 0;
    mirror.set("/osv/Go/all.zip", goFeed(GO.slice(0, 100)));
    await expect(handler()({ id: "shrunk" })).rejects.toMatchObject({
      name: "DbValidationError",
      message: expect.stringMatching(/Go advisories fell from 300 to 100/),
    });
    expect(await publishedState()).toEqual(before);
    expect(metrics).toEqual(["DbUpdateFailed"]);
  });

  it("keeps only the newest N versions", async () => {
    clock += 6 * 3600_000;
    mirror.set("/osv/Go/all.zip", goFeed(GO.slice(0, 300)));
    await handler(2)({ id: "third" });
    const stamps = [...new Set((await versionKeys()).map((key) => key.split("/")[2]?.split(".")[0]))];
    const manifest = await currentManifest();
    expect(stamps).toEqual(["2025-01-10T06-00-00-000Z", manifest.builtAt.replace(/[:.]/g, "-")]);
    expect(await bucket().get("db/versions/2025-01-10T00-00-00-000Z.db")).toBeUndefined();
    // The third build differs from the second only by the Go changes reverted.
    expect(lastDetail().changes).toEqual({ added: 0, modified: 1, removed: 0 });
  });
});
