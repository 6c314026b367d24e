import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { silentLogger } from "../lib/logger.js";
import type { VulnerabilityFinding } from "../lib/matching/finding.js";
import { rematchBatch } from "../lib/rescan/rematch-batch.js";
import type { RematchStore, StoredImage } from "../lib/rescan/rematch-image.js";
import { DEFAULT_REMATCH_BATCH } from "../lib/rescan/rematch-message.js";
import type { BlobStore, ScanSummary } from "../lib/stores/findings-store.js";
import { buildFromSources } from "../lib/vulndb/build-from-sources.js";
import { openDatabaseFile } from "../lib/vulndb/db/db-reader.js";
import { MiB } from "./measure.js";
import { ensureDir, type GeneratedImage, generateSboms, IMAGES } from "./rescan-data.js";

/**
 * Issue 8 target: re-match 2,000 stored SBOMs (Debian, Ubuntu, Alpine; npm, PyPI, Maven; 100–800
 * components) after a DB update in under 2 minutes with 2 workers. Each worker is a child process
 * that opens the DB file itself and takes half the images in SQS-sized batches, as two Lambda
 * workers would. SBOMs are read from and reports written to local directories; the findings store
 * is in memory, so the numbers are the re-match work itself, not DynamoDB latency.
 */
const root = fileURLToPath(new URL("..", import.meta.url));
const data = join(root, "../shared/data");
const WORKERS = 2;
const TARGET_SECONDS = 120;

interface ChildResult {
  images: number;
  rematched: number;
  skipped: number;
  failures: number;
  findings: number;
  seconds: number;
}

export async function benchRescan(): Promise<void> {
  const cache = await ensureDir(join(root, "bench/.cache/rescan"));
  const dbFile = join(cache, "db-update.db");
  const buildStarted = performance.now();
  const built = await stat(dbFile).catch(() => undefined);
  if (!built) {
    await buildFromSources(
      [
        { path: join(data, "osv") },
        { path: join(data, "secdb") },
        { path: join(data, "debian-tracker", "vunnel-debian.json") },
        { path: join(data, "ubuntu-osv") },
      ],
      dbFile,
      { builtAt: new Date("2026-06-01T00:00:00Z") },
    );
  }
  const buildSeconds = (performance.now() - buildStarted) / 1000;
  const sbomDir = await ensureDir(join(cache, "sboms"));
  const genStarted = performance.now();
  const images = await generateSboms(sbomDir, data);
  const genSeconds = (performance.now() - genStarted) / 1000;
  let sbomBytes = 0;
  let components = 0;
  for (const image of images.slice(0, 50)) {
    const text = await readFile(join(sbomDir, basename(image.sbomKey)), "utf8");
    sbomBytes += text.length;
    components += (JSON.parse(text) as { components: unknown[] }).components.length;
  }

  const out = await mkdtemp(join(cache, "out-"));
  const self = fileURLToPath(import.meta.url);
  const started = performance.now();
  const per = Math.ceil(images.length / WORKERS);
  const runs = await Promise.all(
    Array.from({ length: WORKERS }, (_, w) =>
      runChild(
        self,
        [dbFile, sbomDir, out, String(w * per), String(Math.min(images.length, (w + 1) * per))],
        out,
        w,
      ),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  await rm(out, { recursive: true, force: true });

  const total = runs.reduce(
    (t, r) => ({
      rematched: t.rematched + r.result.rematched,
      failures: t.failures + r.result.failures,
      findings: t.findings + r.result.findings,
    }),
    { rematched: 0, failures: 0, findings: 0 },
  );
  console.log("## rescan: re-match stored SBOMs after a DB update (issue 8)");
  console.log(
    `DB ${built ? "cached" : `built in ${buildSeconds.toFixed(1)} s`}; ${IMAGES} SBOMs ${genSeconds > 5 ? `generated in ${genSeconds.toFixed(1)} s` : "cached"}, mean ${(components / 50).toFixed(0)} components, ${(sbomBytes / 50 / 1024).toFixed(0)} KiB each`,
  );
  console.log(
    `re-matched ${total.rematched} of ${images.length} images with ${WORKERS} workers in ${seconds.toFixed(1)} s (target ${IMAGES} in < ${TARGET_SECONDS} s): ${(total.rematched / seconds).toFixed(1)} images/s, ${total.findings} findings, ${total.failures} failures`,
  );
  for (const [w, r] of runs.entries()) {
    console.log(
      `worker ${w + 1}: ${r.result.images} images in ${r.result.seconds.toFixed(1)} s, peak RSS ${(r.maxRssBytes / MiB).toFixed(0)} MiB`,
    );
  }
  console.log(
    `peak RSS (largest worker): ${(Math.max(...runs.map((r) => r.maxRssBytes)) / MiB).toFixed(0)} MiB`,
  );
  console.log(
    `${seconds < TARGET_SECONDS && total.rematched === IMAGES ? "PASS" : "FAIL"}: ${IMAGES} in < ${TARGET_SECONDS} s`,
  );
}

function runChild(
  self: string,
  args: string[],
  out: string,
  worker: number,
): Promise<{ result: ChildResult; maxRssBytes: number }> {
  const rssFile = join(out, `rss-${worker}`);
  const resultFile = join(out, `result-${worker}.json`);
  const reportMaxRss = new URL("./report-max-rss.mjs", import.meta.url).href;
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "--import", reportMaxRss, self, "--child", ...args, resultFile],
      {
        stdio: ["ignore", "ignore", "pipe"],
        env: { ...process.env, PORTCULLIS_MAX_RSS_FILE: rssFile },
      },
    );
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", async (code) => {
      if (code !== 0) return reject(new Error(`rescan worker ${worker} exited ${code}: ${stderr}`));
      try {
        const result = JSON.parse(await readFile(resultFile, "utf8")) as ChildResult;
        resolve({ result, maxRssBytes: Number(await readFile(rssFile, "utf8")) });
      } catch (err) {
        reject(err);
      }
    });
  });
}

/** In a worker: the images [start, end) in message-sized batches, one after the other. */
async function child(
  dbFile: string,
  sbomDir: string,
  out: string,
  start: number,
  end: number,
  resultFile: string,
) {
  const started = performance.now();
  const manifest = JSON.parse(await readFile(join(sbomDir, "manifest.json"), "utf8")) as {
    images: GeneratedImage[];
  };
  const mine = manifest.images.slice(start, end);
  const store = new BenchStore(mine);
  const blobs: BlobStore = {
    get: (key) => readFile(join(sbomDir, basename(key))),
    put: (key, body) => writeFile(join(out, key.replace(/\//g, "_")), body),
  };
  const vulnDb = await openDatabaseFile(dbFile);
  let skipped = 0;
  let failures = 0;
  let rematched = 0;
  for (let i = 0; i < mine.length; i += DEFAULT_REMATCH_BATCH) {
    const keys = mine.slice(i, i + DEFAULT_REMATCH_BATCH).map((m) => m.imageKey);
    const result = await rematchBatch(keys, { store, blobs, vulnDb, logger: silentLogger });
    failures += result.failures.length;
    for (const o of result.outcomes) {
      if (o.status === "rematched") rematched++;
      else skipped++;
    }
  }
  await vulnDb.close();
  const result: ChildResult = {
    images: mine.length,
    rematched,
    skipped,
    failures,
    findings: store.findingsStored,
    seconds: (performance.now() - started) / 1000,
  };
  await writeFile(resultFile, JSON.stringify(result));
}

/** Every image active, scanned once with an older DB, no open findings yet. */
class BenchStore implements RematchStore {
  findingsStored = 0;
  private readonly sboms: Map<string, string>;

  constructor(images: readonly GeneratedImage[]) {
    this.sboms = new Map(images.map((i) => [i.imageKey, i.sbomKey]));
  }

  async image(imageKey: string): Promise<StoredImage | undefined> {
    const [provider, account, region, rest] = imageKey.split("#") as [string, string, string, string];
    const [repository, digest] = rest.split("@") as [string, string];
    return { provider, account, region, repository, digest, status: "active" };
  }

  async latestScan(imageKey: string): Promise<ScanSummary | undefined> {
    const sbomKey = this.sboms.get(imageKey);
    if (!sbomKey) return undefined;
    const at = "2026-01-01T00:00:00.000Z";
    return {
      imageKey,
      scannedAt: at,
      dbBuiltAt: at,
      analyzersKey: "bench",
      counts: {},
      packages: 0,
      sbomKey,
    };
  }

  async findings(): Promise<VulnerabilityFinding[]> {
    return [];
  }

  async putScan(
    _job: unknown,
    _summary: ScanSummary,
    findings: readonly VulnerabilityFinding[],
  ): Promise<void> {
    this.findingsStored += findings.length;
  }
}

if (process.argv[2] === "--child") {
  const [dbFile, sbomDir, out, start, end, resultFile] = process.argv.slice(3) as string[];
  await child(
    dbFile as string,
    sbomDir as string,
    out as string,
    Number(start),
    Number(end),
    resultFile as string,
  );
}
