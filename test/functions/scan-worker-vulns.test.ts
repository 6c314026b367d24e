import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHandler } from "../../functions/scan-worker.js";
import { parseReference } from "../../lib/image/reference.js";
import { RegistrySource } from "../../lib/image/registry/registry-source.js";
import { silentLogger } from "../../lib/logger.js";
import { jobFromScanRequest } from "../../lib/pipeline/ecr-events.js";
import { processScanJob, type ScanWorkerDeps } from "../../lib/pipeline/scan-worker.js";
import type { ScanJob } from "../../lib/stores/scan-job.js";
import { buildFromSources } from "../../lib/vulndb/build-from-sources.js";
import { openDatabaseFile, type VulnDb } from "../../lib/vulndb/db/db-reader.js";
import { buildLayer, writeOciLayout } from "../helpers/oci-builder.js";
import { startRegistry, type TestRegistry } from "../helpers/registry.js";
import { skopeoCopy } from "../helpers/skopeo.js";
import { MemoryBlobStore, MemoryFindingsStore } from "./memory-stores.js";

/** The worker with a vulnerability DB: findings reach the store, and a new DB build means a new scan. */
const fixtures = fileURLToPath(new URL("../fixtures/", import.meta.url));
let work: string;
let registry: TestRegistry;
const dbs: VulnDb[] = [];
let job: ScanJob;

async function buildDb(builtAt: string): Promise<VulnDb> {
  const file = join(work, `${builtAt.replace(/:/g, "")}.db`);
  await buildFromSources([{ path: `${fixtures}advisories/secdb/alpine-v3.11-main.yaml` }], file, {
    builtAt: new Date(builtAt),
  });
  const db = await openDatabaseFile(file);
  dbs.push(db);
  return db;
}

const apkRecord = (name: string) =>
  `C:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=\nP:${name}\nV:1.1.1d-r0\nA:x86_64\nS:1\nI:1\nT:${name}\nU:https://www.openssl.org\nL:OpenSSL\no:openssl\nm:Timo Teras <timo.teras@iki.fi>\n`;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "portcullis-worker-vulns-"));
  registry = await startRegistry();
  const layer = await buildLayer(
    [
      { path: "etc/os-release", content: 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.11.6\n' },
      { path: "lib/apk/db/installed", content: `${apkRecord("libssl1.1")}\n${apkRecord("openssl")}\n` },
    ],
    "gzip",
  );
  const layout = join(work, "alpine");
  await writeOciLayout(layout, { layers: [layer], tag: "3.11" });
  await skopeoCopy(`oci:${layout}:3.11`, `docker://${registry.host}/base/alpine:3.11`);
  const head = await fetch(`${registry.url}/v2/base/alpine/manifests/3.11`, {
    method: "HEAD",
    headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
  });
  const digest = head.headers.get("docker-content-digest") ?? "";
  const result = await jobFromScanRequest({ registry: registry.host, repository: "base/alpine", digest });
  if (!("job" in result)) throw new Error(result.invalid);
  job = result.job;
});

afterAll(async () => {
  for (const db of dbs) await db.close();
  await registry?.stop();
  await rm(work, { recursive: true, force: true });
});

describe("scan worker with a vulnerability DB", () => {
  it("stores findings with counts, and rescans when the DB build changes", async () => {
    const store = new MemoryFindingsStore();
    const deps: ScanWorkerDeps = {
      store,
      blobs: new MemoryBlobStore(),
      logger: silentLogger,
      openSource: (j) => new RegistrySource(parseReference(`${j.registry}/${j.repository}@${j.digest}`)),
      vulnDb: await buildDb("2026-11-27T00:00:00Z"),
    };
    const first = await processScanJob(job, deps);
    expect(first.status).toBe("scanned");
    const summary = store.scans[0];
    expect(summary?.dbBuiltAt).toBe("2026-11-27T00:00:00.000Z");
    expect(Object.values(summary?.counts ?? {}).reduce((a, b) => a + b, 0)).toBe(8);
    expect(summary?.maxSeverity).toBeDefined();
    const ids = (await store.findings(summary?.imageKey ?? ""))
      .map((f) => `${f.package.name} ${f.id}`)
      .sort();
    expect(ids).toContain("openssl CVE-2019-1551");
    expect(ids).toHaveLength(8);

    expect((await processScanJob(job, deps)).status).toBe("duplicate");
    const newer = await processScanJob(job, { ...deps, vulnDb: await buildDb("2026-11-28T00:00:00Z") });
    expect(newer.status).toBe("scanned");
    expect(store.scans.map((s) => s.dbBuiltAt)).toEqual([
      "2026-11-27T00:00:00.000Z",
      "2026-11-28T00:00:00.000Z",
    ]);
  });

  it("scans with the DB the handler's currentDb gives, so a warm worker picks up a new build", async () => {
    const store = new MemoryFindingsStore();
    const newer = await buildDb("2026-11-29T00:00:00Z");
    const handler = createHandler({
      store,
      blobs: new MemoryBlobStore(),
      logger: silentLogger,
      openSource: (j) => new RegistrySource(parseReference(`${j.registry}/${j.repository}@${j.digest}`)),
      vulnDb: await buildDb("2026-11-26T00:00:00Z"),
      currentDb: async () => newer,
    });
    const record = { messageId: "m1", body: JSON.stringify(job) } as Parameters<
      typeof handler
    >[0]["Records"][number];
    const response = await handler({ Records: [record] });
    expect(response.batchItemFailures).toEqual([]);
    expect(store.scans.map((s) => s.dbBuiltAt)).toEqual(["2026-11-29T00:00:00.000Z"]);
  });
});
