import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHandler } from "../../functions/scan-worker.js";
import { openOciLayout } from "../../lib/image/oci-layout-source.js";
import { silentLogger } from "../../lib/logger.js";
import type { ScanCompletedEntry } from "../../lib/notify/scan-completed.js";
import { ScanCompletedPublisher, type ScanPublisher } from "../../lib/notify/scan-publisher.js";
import type { SnsScanMessage } from "../../lib/notify/sns-message.js";
import { processScanJob, type ScanWorkerDeps } from "../../lib/pipeline/scan-worker.js";
import { imageKey, type ScanJob } from "../../lib/stores/scan-job.js";
import { buildFromSources } from "../../lib/vulndb/build-from-sources.js";
import { openDatabaseFile, type VulnDb } from "../../lib/vulndb/db/db-reader.js";
import { MemoryBlobStore, MemoryFindingsStore } from "../functions/memory-stores.js";
import { buildLayer, writeOciLayout } from "../helpers/oci-builder.js";

/** The worker announces each stored scan once, never a duplicate, and survives a failed announcement. */
const fixtures = fileURLToPath(new URL("../fixtures/", import.meta.url));
let work: string;
let layout: string;
let db: VulnDb;

const apkRecord = (name: string) =>
  `C:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=\nP:${name}\nV:1.1.1d-r0\nA:x86_64\nS:1\nI:1\nT:${name}\nU:https://www.openssl.org\nL:OpenSSL\no:openssl\nm:Timo Teras <timo.teras@iki.fi>\n`;

const job = (repository: string): ScanJob => ({
  v: 1,
  provider: "registry",
  account: "local",
  region: "local",
  repository,
  digest: `sha256:${"ab".repeat(32)}`,
  tag: "3.11",
  registry: "localhost:5000",
  reason: "push",
  eventTime: "2026-11-28T10:00:00Z",
});

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "portcullis-notify-"));
  const file = join(work, "portcullis.db");
  await buildFromSources([{ path: `${fixtures}advisories/secdb/alpine-v3.11-main.yaml` }], file, {
    builtAt: new Date("2026-11-28T06:00:00Z"),
  });
  db = await openDatabaseFile(file);
  const layer = await buildLayer(
    [
      { path: "etc/os-release", content: 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.11.6\n' },
      { path: "lib/apk/db/installed", content: `${apkRecord("libssl1.1")}\n${apkRecord("openssl")}\n` },
    ],
    "gzip",
  );
  layout = join(work, "alpine");
  await writeOciLayout(layout, { layers: [layer], tag: "3.11" });
});

afterAll(async () => {
  await db?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

function recordingPublisher(fail = false) {
  const events: ScanCompletedEntry[] = [];
  const messages: SnsScanMessage[] = [];
  const publisher = new ScanCompletedPublisher({
    events: {
      async putEvent(entry) {
        if (fail) throw new Error("PutEvents rejected twice: InternalFailure");
        events.push(entry);
      },
    },
    messages: {
      async publish(message) {
        messages.push(message);
      },
    },
    reportBucket: "reports",
    logger: silentLogger,
  });
  return { publisher, events, messages };
}

function deps(store: MemoryFindingsStore, publisher: ScanPublisher): ScanWorkerDeps {
  return {
    store,
    blobs: new MemoryBlobStore(),
    logger: silentLogger,
    openSource: () => openOciLayout(layout, "3.11"),
    vulnDb: db,
    publisher,
  };
}

describe("scan worker with a publisher", () => {
  it("publishes once per stored scan and not for a duplicate", async () => {
    const store = new MemoryFindingsStore();
    const rec = recordingPublisher();
    const first = await processScanJob(job("base/alpine"), deps(store, rec.publisher));
    expect(first).toMatchObject({
      status: "scanned",
      notification: { status: "published", channels: ["eventbridge", "sns"] },
    });
    expect(await processScanJob(job("base/alpine"), deps(store, rec.publisher))).toEqual({
      status: "duplicate",
      imageKey: imageKey(job("base/alpine")),
    });
    expect(store.scans).toHaveLength(1);
    expect(rec.events).toHaveLength(1);
    expect(rec.messages).toHaveLength(1);
    const detail = JSON.parse(rec.events[0]?.Detail ?? "");
    const stored = store.scans[0];
    expect(detail).toMatchObject({
      imageKey: stored?.imageKey,
      repository: "base/alpine",
      tags: ["3.11"],
      dbBuiltAt: "2026-11-28T06:00:00.000Z",
      reportUri: `s3://reports/${stored?.reportKey}`,
      sbomUri: `s3://reports/${stored?.sbomKey}`,
    });
    expect(detail.total).toBe(store.findingsByImage.get(stored?.imageKey ?? "")?.length);
    expect(detail.total).toBeGreaterThan(0);
    expect(detail.counts).toMatchObject(stored?.counts ?? {});
    expect(rec.messages[0]?.MessageAttributes.severity?.StringValue).toBe(stored?.maxSeverity);
  });

  it("keeps the scan when the publisher throws despite its contract", async () => {
    const store = new MemoryFindingsStore();
    const throwing: ScanPublisher = {
      published: async () => {
        throw new Error("boom");
      },
    };
    const outcome = await processScanJob(job("base/throwing"), deps(store, throwing));
    expect(outcome).toMatchObject({
      status: "scanned",
      notification: { status: "failed", failures: [{ channel: "publisher", reason: "Error: boom" }] },
    });
    expect(store.scans).toHaveLength(1);
  });

  it("acknowledges the SQS message when only the notification failed, logging and counting it", async () => {
    const store = new MemoryFindingsStore();
    const rec = recordingPublisher(true);
    const errors: Array<[string, Record<string, unknown> | undefined]> = [];
    const metrics: Array<[string, number]> = [];
    const handler = createHandler({
      ...deps(store, rec.publisher),
      logger: { ...silentLogger, error: (message, fields) => errors.push([message, fields]) },
      countMetric: (name, value) => metrics.push([name, value]),
    });
    const template = JSON.parse(
      readFileSync(new URL("../fixtures/events/sqs-scan-job.json", import.meta.url), "utf8"),
    ) as SQSEvent;
    const record = template.Records[0] as SQSEvent["Records"][number];
    const response = await handler({ Records: [{ ...record, body: JSON.stringify(job("base/notify")) }] });
    expect(response.batchItemFailures).toEqual([]);
    expect(store.scans).toHaveLength(1);
    expect(rec.messages).toHaveLength(1);
    expect(metrics).toEqual([["NotificationFailures", 1]]);
    expect(errors.map(([message]) => message)).toContain("scan stored but its notification failed");
  });
});
