import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_BUCKET } from "../../lib/local/local-server.js";
import { type LocalStore, openLocalStore } from "../../lib/local/local-store.js";
import { formatChange } from "../../lib/local/watch-change.js";
import { createWatchLoop, type WatchLoop } from "../../lib/local/watch-loop.js";
import type { ImageChange } from "../../lib/notify/image-change.js";
import { imageKey, type ScanJob } from "../../lib/stores/scan-job.js";
import { buildFromSources } from "../../lib/vulndb/build-from-sources.js";
import { openDatabaseFile } from "../../lib/vulndb/db/db-reader.js";
import { pkg, storeScan } from "../rescan/store-scan.js";

/** Issue 8 part 5: the watch loop against the store `portcullis serve` keeps (dynalite + s3rver). */
const fixtures = fileURLToPath(new URL("../fixtures/rescan/", import.meta.url));
const debian = { family: "debian", release: "12", versionId: "12" };

let work: string;
let dataDir: string;
let sourceDir: string;
let local: LocalStore;
let hookServer: Server;
let webhook: string;
const posted: ImageChange[] = [];

function registryJob(repository: string, digestChar: string, tag: string): ScanJob {
  return {
    v: 1,
    provider: "registry",
    account: "local",
    region: "local",
    repository,
    digest: `sha256:${digestChar.repeat(64)}`,
    registry: "127.0.0.1:5000",
    tag,
    reason: "push",
    eventTime: "2026-01-15T00:00:00.000Z",
  };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "portcullis-watch-"));
  dataDir = join(work, "data");
  sourceDir = join(work, "feeds");
  await mkdir(sourceDir);
  await copyFile(join(fixtures, "lodash-ghsa.json"), join(sourceDir, "lodash-ghsa.json"));
  local = await openLocalStore(dataDir);
  hookServer = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString("utf8");
    });
    req.on("end", () => {
      posted.push(JSON.parse(body) as ImageChange);
      res.end();
    });
  });
  await new Promise<void>((resolve) => hookServer.listen(0, "127.0.0.1", () => resolve()));
  webhook = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hook`;
});

afterAll(async () => {
  await local?.stop();
  await new Promise<void>((resolve) => hookServer?.close(() => resolve()));
  await rm(work, { recursive: true, force: true });
});

describe("createWatchLoop", () => {
  let loop: WatchLoop;
  const lines: string[] = [];
  const api = registryJob("team/api", "a", "1.4");
  const web = registryJob("team/web", "b", "2.0");

  it("stores two images as serve would, matched with a DB of the same sources", async () => {
    const seedDb = join(work, "seed.db");
    await buildFromSources([{ path: sourceDir }], seedDb, { builtAt: new Date("2026-01-10T00:00:00Z") });
    const db = await openDatabaseFile(seedDb);
    try {
      const deps = { store: local.store, blobs: local.blobs, db };
      await storeScan(
        deps,
        api,
        {
          os: debian,
          packages: [
            pkg("deb", "openssl", "3.0.11-1~deb12u1", "openssl"),
            pkg("deb", "libssl3", "3.0.11-1~deb12u1", "openssl"),
            pkg("npm", "lodash", "4.17.20"),
          ],
        },
        new Date("2026-01-15T00:00:00Z"),
      );
      await storeScan(
        deps,
        web,
        { os: debian, packages: [pkg("deb", "zlib1g", "1:1.2.13.dfsg-1", "zlib")] },
        new Date("2026-01-16T00:00:00Z"),
      );
    } finally {
      await db.close();
    }
    expect((await local.store.findings(imageKey(api))).map((f) => f.id)).toEqual(["CVE-2099-0001"]);
    loop = createWatchLoop({
      sources: [sourceDir],
      dbPath: join(dataDir, "watch", "portcullis.db"),
      store: local.store,
      blobs: local.blobs,
      bucket: LOCAL_BUCKET,
      webhook,
      onChange: (change) => lines.push(formatChange(change)),
    });
  });

  it("first tick builds the DB and re-matches every image, but announces nothing unchanged", async () => {
    const first = await loop.tick();
    expect(first).toMatchObject({ rebuilt: true, rematched: 2, changes: [], failures: [] });
    expect(first.advisories).toEqual({ added: 1, modified: 0, removed: 0 });
    expect(lines).toEqual([]);
    expect(posted).toEqual([]);
  });

  it("a new advisory file re-matches only the image with that package and announces it", async () => {
    await copyFile(join(fixtures, "openssl-v2.json"), join(sourceDir, "openssl-v2.json"));
    const result = await loop.tick();
    expect(result).toMatchObject({ rebuilt: true, rematched: 1, failures: [] });
    expect(result.advisories).toEqual({ added: 1, modified: 0, removed: 0 });
    expect(result.changes).toHaveLength(1);
    const change = result.changes[0] as ImageChange;
    expect(change).toMatchObject({
      reason: "rescan",
      image: { provider: "registry", repository: "team/api", digest: api.digest, tags: ["1.4"] },
      resolvedFindings: [],
    });
    expect(change.newFindings.map((f) => `${f.package.name} ${f.id} ${f.severity}`).sort()).toEqual([
      "libssl3 CVE-2099-0002 UNKNOWN",
      "openssl CVE-2099-0002 UNKNOWN",
    ]);
    expect(change.reportUri).toMatch(/^s3:\/\/portcullis-reports\/reports\//);
    expect(lines).toEqual([
      "team/api:1.4: 2 new (UNKNOWN 2: CVE-2099-0002 libssl3, CVE-2099-0002 openssl), 0 resolved",
    ]);
    expect(posted).toEqual([JSON.parse(JSON.stringify(change))]);
    // The store took the re-match like a scan: the findings are open there now.
    expect((await local.store.findings(imageKey(api))).map((f) => f.id).sort()).toEqual([
      "CVE-2099-0001",
      "CVE-2099-0002",
      "CVE-2099-0002",
    ]);
    expect((await local.store.latestScan(imageKey(web)))?.dbBuiltAt).not.toBe(
      (await local.store.latestScan(imageKey(api)))?.dbBuiltAt,
    );
  });

  it("an unchanged source directory builds nothing and announces nothing", async () => {
    const again = await loop.tick();
    expect(again).toEqual({ rebuilt: false, rematched: 0, changes: [], failures: [] });
    expect(lines).toHaveLength(1);
    expect(posted).toHaveLength(1);
  });

  it("a modified advisory whose fix covers the installed version resolves the findings", async () => {
    await rm(join(sourceDir, "openssl-v2.json"));
    await copyFile(join(fixtures, "openssl-v3.json"), join(sourceDir, "openssl-v3.json"));
    const result = await loop.tick();
    expect(result.advisories).toEqual({ added: 0, modified: 1, removed: 0 });
    expect(result.changes.map((c) => c.resolvedFindings.map((f) => f.package.name).sort())).toEqual([
      ["libssl3", "openssl"],
    ]);
    expect(lines[1]).toMatch(/^team\/api:1\.4: 0 new, 2 resolved \(UNKNOWN 2: /);
    expect(posted).toHaveLength(2);
  });

  it("start() ticks on its interval until stop()", async () => {
    const seen: ImageChange[] = [];
    const errors: unknown[] = [];
    const timed = createWatchLoop({
      sources: [sourceDir],
      dbPath: join(dataDir, "watch", "portcullis.db"),
      store: local.store,
      blobs: local.blobs,
      bucket: LOCAL_BUCKET,
      onChange: (change) => seen.push(change),
      onError: (err) => errors.push(err),
    });
    timed.start(20);
    await copyFile(join(fixtures, "openssl-v2.json"), join(sourceDir, "openssl-v2b.json"));
    const deadline = Date.now() + 15_000;
    while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await timed.stop();
    expect(errors).toEqual([]);
    expect(seen.map((c) => c.image.repository)).toEqual(["team/api"]);
    expect(await timed.tick()).toMatchObject({ rebuilt: false, changes: [] });
  });

  it("a source that disappears fails the tick with a one-line error", async () => {
    const gone = createWatchLoop({
      sources: [join(work, "missing")],
      dbPath: join(work, "other.db"),
      store: local.store,
      blobs: local.blobs,
      bucket: LOCAL_BUCKET,
    });
    await expect(gone.tick()).rejects.toThrow(/source .*missing cannot be read \(ENOENT\)/);
  });
});
