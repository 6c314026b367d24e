import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHandler as createIntake } from "../../functions/ecr-intake.js";
import { createHandler, type WorkerDeps } from "../../functions/scan-worker.js";
import { parseReference } from "../../lib/image/reference.js";
import { RegistrySource } from "../../lib/image/registry/registry-source.js";
import { MemoryLayerCache } from "../../lib/layers/layer-cache.js";
import type { Logger } from "../../lib/logger.js";
import { jobFromScanRequest } from "../../lib/pipeline/ecr-events.js";
import { processScanJob } from "../../lib/pipeline/scan-worker.js";
import type { ScanReport } from "../../lib/report/scan-report.js";
import { imageKey, type ScanJob } from "../../lib/stores/scan-job.js";
import { writeOciLayout } from "../helpers/oci-builder.js";
import { startRegistry, type TestRegistry } from "../helpers/registry.js";
import { type SampleImage, ubuntuSample } from "../helpers/sample-images.js";
import { skopeoCopy } from "../helpers/skopeo.js";
import { MemoryBlobStore, MemoryFindingsStore } from "./memory-stores.js";

/**
 * The scan worker end to end: images pushed with skopeo to the real distribution registry,
 * scanned through the SQS handler (Powertools partial batch responses) into in-memory stores.
 */
let work: string;
let registry: TestRegistry;
let ubuntu: SampleImage;
let layout: string;

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/events/${name}`, import.meta.url), "utf8");
const ECR_HOST = "123456789012.dkr.ecr.us-west-2.amazonaws.com";

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "portcullis-worker-"));
  registry = await startRegistry();
  ubuntu = await ubuntuSample("gzip");
  layout = join(work, "ubuntu");
  await writeOciLayout(layout, { layers: ubuntu.layers, tag: "18.04" });
});

afterAll(async () => {
  await registry?.stop();
  await rm(work, { recursive: true, force: true });
});

/** Pushes the sample with skopeo and returns the manifest digest the registry reports. */
async function push(repository: string): Promise<string> {
  await skopeoCopy(`oci:${layout}:18.04`, `docker://${registry.host}/${repository}:18.04`);
  const res = await fetch(`${registry.url}/v2/${repository}/manifests/18.04`, {
    method: "HEAD",
    headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
  });
  const digest = res.headers.get("docker-content-digest");
  if (!digest) throw new Error(`no digest for ${repository}`);
  return digest;
}

async function jobFor(repository: string, digest: string): Promise<ScanJob> {
  const result = await jobFromScanRequest({ registry: registry.host, repository, digest, tag: "18.04" });
  if (!("job" in result)) throw new Error(result.invalid);
  return result.job;
}

/** The documented SQS event, one record per body. */
function sqsEvent(...bodies: unknown[]): SQSEvent {
  const template = JSON.parse(fixture("sqs-scan-job.json")) as SQSEvent;
  const record = template.Records[0] as SQSEvent["Records"][number];
  return {
    Records: bodies.map((body, i) => ({
      ...record,
      messageId: `059f36b4-87a3-44ab-83d2-66197583${String(i).padStart(4, "0")}`,
      body: typeof body === "string" ? body : JSON.stringify(body),
    })),
  };
}

function recordingLogger(): Logger & { lines: Array<{ level: string; message: string; fields?: unknown }> } {
  const lines: Array<{ level: string; message: string; fields?: unknown }> = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    lines.push({ level, message, fields });
  return { lines, debug: () => {}, info: at("info"), warn: at("warn"), error: at("error") };
}

function deps(overrides: Partial<WorkerDeps> = {}) {
  const clock = { now: Date.parse("2026-11-28T12:00:00Z") };
  const store = new MemoryFindingsStore(clock);
  const blobs = new MemoryBlobStore();
  const logger = recordingLogger();
  const base: WorkerDeps = {
    store,
    blobs,
    logger,
    layerCache: new MemoryLayerCache(),
    // ECR hosts are served by the local registry here; everything else is taken as written.
    openSource: (job) => {
      const host = job.registry === ECR_HOST ? registry.host : job.registry;
      return new RegistrySource(parseReference(`${host}/${job.repository}@${job.digest}`), {
        retry: { maxAttempts: 1 },
      });
    },
    claimTtlSeconds: 600,
    ...overrides,
  };
  return { deps: base, store, blobs, logger, clock };
}

const inventory = (report: ScanReport) => report.packages.map((p) => `${p.name}@${p.version}`).sort();

describe("scan worker", () => {
  it("scans a pushed image once, writing report, SBOM and the scan record; a duplicate is skipped", async () => {
    const digest = await push("team/app");
    const job = await jobFor("team/app", digest);
    const t = deps();
    const handler = createHandler(t.deps);

    const response = await handler(sqsEvent(job, job));
    expect(response).toEqual({ batchItemFailures: [] });
    expect(t.store.scans).toHaveLength(1);
    expect(t.store.claimCalls).toBe(1);
    const summary = t.store.scans[0];
    expect(summary).toMatchObject({ imageKey: imageKey(job), packages: ubuntu.expectedPackages.length });
    const path = `registry/${registry.host.replace(":", "_")}/global/team/app/${digest.replace(":", "_")}`;
    expect(summary?.reportKey).toMatch(
      new RegExp(`^reports/${path}/\\d{4}-\\d\\d-\\d\\dT\\d{6}\\.\\d{3}Z\\.json$`),
    );
    expect(summary?.sbomKey).toMatch(new RegExp(`^sboms/${path}/.+\\.cdx\\.json$`));

    const report = JSON.parse((await t.blobs.get(summary?.reportKey ?? ""))?.toString() ?? "") as ScanReport;
    expect(report.artifact.digest).toBe(digest);
    expect(inventory(report)).toEqual([...ubuntu.expectedPackages].sort());
    const sbom = JSON.parse((await t.blobs.get(summary?.sbomKey ?? ""))?.toString() ?? "");
    expect(sbom.bomFormat).toBe("CycloneDX");
    expect(t.blobs.objects.get(summary?.sbomKey ?? "")?.contentType).toBe("application/vnd.cyclonedx+json");

    // A later redelivery of the same event is a duplicate too.
    expect(await handler(sqsEvent(job))).toEqual({ batchItemFailures: [] });
    expect(t.store.scans).toHaveLength(1);
  });

  it("lets one of two concurrent workers scan; the other retries and then finds the scan", async () => {
    const digest = await push("team/concurrent");
    const job = await jobFor("team/concurrent", digest);
    const t = deps();
    const [a, b] = await Promise.all([processScanJob(job, t.deps), processScanJob(job, t.deps)]);
    expect([a.status, b.status].sort()).toEqual(["retry", "scanned"]);
    expect(await processScanJob(job, t.deps)).toEqual({ status: "duplicate", imageKey: imageKey(job) });
    expect(t.store.scans).toHaveLength(1);
  });

  it("carries an ECR push event from the intake through the queue to a stored scan", async () => {
    const digest = await push("my-repository-name");
    const queued: ScanJob[] = [];
    const t = deps();
    const intake = createIntake({
      queue: { enqueue: async (jobs) => void queued.push(...jobs) },
      store: t.store,
      config: {},
      logger: t.logger,
    });
    const event = JSON.parse(fixture("ecr-push-success.json"));
    event.detail["image-digest"] = digest;
    expect(await intake(event)).toEqual({ queued: 1, deleted: 0 });
    expect(await createHandler(t.deps)(sqsEvent(...queued))).toEqual({ batchItemFailures: [] });
    expect(t.store.scans[0]?.imageKey).toBe(`ecr#123456789012#us-west-2#my-repository-name@${digest}`);
  });

  it("handles DELETE before PUSH: the image stays deleted and the late push is consumed, not retried", async () => {
    const digest = await push("team/short-lived");
    const del = await fetch(`${registry.url}/v2/team/short-lived/manifests/${digest}`, { method: "DELETE" });
    expect(del.status).toBe(202);
    const job = await jobFor("team/short-lived", digest);
    const t = deps();
    await t.store.markDeleted(imageKey(job), "2026-11-28T11:59:00.000Z");

    const response = await createHandler(t.deps)(sqsEvent(job));
    expect(response).toEqual({ batchItemFailures: [] });
    expect(t.store.scans).toEqual([]);
    expect(t.store.images.get(imageKey(job))?.deletedAt).toBe("2026-11-28T11:59:00.000Z");
    expect(t.logger.lines.find((l) => l.message === "scan job done")?.fields).toMatchObject({
      status: "gone",
    });
  });

  it("reports a job whose blob is cut mid-stream in batchItemFailures; the redelivery succeeds", async () => {
    const digest = await push("team/flaky");
    const job = await jobFor("team/flaky", digest);
    const steady = await jobFor("team/steady", await push("team/steady"));
    const proxy = await cuttingProxy(registry, ubuntu.layers[0]?.digest ?? "");
    try {
      const t = deps({
        openSource: (j) =>
          new RegistrySource(parseReference(`${proxy.host}/${j.repository}@${j.digest}`), {
            retry: { maxAttempts: 1 },
          }),
      });
      const handler = createHandler(t.deps);
      // Records are processed in order: the flaky job meets the cut, the next one does not.
      const event = sqsEvent(job, steady);
      const first = await handler(event);
      expect(first.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]?.messageId }]);
      expect(proxy.cuts).toBe(1);
      expect(t.store.scans.map((s) => s.imageKey)).toEqual([imageKey(steady)]);
      const failure = t.logger.lines.find((l) => l.message === "scan failed");
      expect(failure?.fields).toMatchObject({
        imageKey: imageKey(job),
        error: expect.stringMatching(
          /^LayerFormatError: layer sha256:[a-f0-9]{64} could not be read completely/,
        ),
      });

      // SQS redelivers after the visibility timeout, by which time the claim has expired.
      t.clock.now += 601_000;
      const second = await handler(sqsEvent(job));
      expect(second).toEqual({ batchItemFailures: [] });
      expect(t.store.scans.map((s) => s.imageKey)).toEqual([imageKey(steady), imageKey(job)]);
    } finally {
      await proxy.close();
    }
  });

  it("returns a retry when the invocation is about to time out, before or during the scan", async () => {
    const digest = await push("team/slow");
    const job = await jobFor("team/slow", digest);

    const before = deps();
    const response = await createHandler(before.deps)(sqsEvent(job), {
      getRemainingTimeInMillis: () => 5_000,
    });
    expect(response.batchItemFailures).toHaveLength(1);
    expect(before.store.claimCalls).toBe(0);

    // Time runs out once the first layer starts streaming.
    let remaining = 600_000;
    const during = deps({ deadlineMarginMs: 20_000 });
    const open = during.deps.openSource;
    during.deps.openSource = async (j) => {
      const source = await open(j);
      return {
        name: source.name,
        kind: source.kind,
        fetchManifest: (d) => source.fetchManifest(d),
        openBlob: async (descriptor) => {
          const blob = await source.openBlob(descriptor);
          if (descriptor.mediaType.includes("layer")) remaining = 1_000;
          return blob;
        },
      };
    };
    const outcome = await processScanJob(job, { ...during.deps, deadline: () => remaining });
    expect(outcome).toMatchObject({ status: "retry", retry: true, reason: expect.stringMatching(/ms left/) });
    expect(during.store.scans).toEqual([]);
  });

  it("deployed handler: builds its clients from the environment; a bad message fails without AWS calls", async () => {
    Object.assign(process.env, {
      TABLE_NAME: "portcullis",
      BUCKET_NAME: "portcullis-reports",
      AWS_REGION: "us-west-2",
      POWERTOOLS_LOG_LEVEL: "SILENT",
    });
    const { handler } = await import("../../functions/scan-worker.js");
    const event = sqsEvent({ v: 2 });
    const context = { getRemainingTimeInMillis: () => 900_000 } as Parameters<typeof handler>[1];
    expect(await handler(event, context)).toEqual({
      batchItemFailures: [{ itemIdentifier: event.Records[0]?.messageId }],
    });
  });

  it("fails a message that is not a scan job", async () => {
    const t = deps();
    const event = sqsEvent("not json", { v: 1, provider: "ecr" });
    const response = await createHandler(t.deps)(event);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
      event.Records.map((r) => r.messageId),
    );
  });
});

/** A registry proxy that cuts the response for `digest` after a few bytes, the first time only. */
async function cuttingProxy(target: TestRegistry, digest: string) {
  const upstream = new URL(target.url);
  const state = { cuts: 0 };
  const server: Server = createServer((req, res) => {
    const cut = state.cuts === 0 && req.url?.includes(`/blobs/${digest}`);
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        if (!cut) {
          up.pipe(res);
          return;
        }
        state.cuts++;
        up.once("data", (chunk: Buffer) => {
          res.write(chunk.subarray(0, Math.min(512, chunk.length - 1)), () => res.destroy());
          up.destroy();
        });
      },
    );
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    get cuts() {
      return state.cuts;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
