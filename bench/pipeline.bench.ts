import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type LocalServer, type ScanNotification, startLocalServer } from "../lib/local/local-server.js";
import { corpusLayer, generateImage, makeCorpus, mulberry32 } from "./generate-image.js";
import { MiB } from "./measure.js";

/**
 * The local pipeline end to end: skopeo pushes to the distribution registry, its notification
 * reaches `startLocalServer`, the in-process queue scans, dynalite and s3rver store. Prints times,
 * the Lambda cost they imply, and Amazon Inspector's list prices for comparison.
 */
const root = fileURLToPath(new URL("..", import.meta.url));
const run = promisify(execFile);

// Assumptions of the cost estimate, stated in the output: Lambda arm64 list prices (us-east-1)
// and Amazon Inspector's published container image prices.
const LAMBDA_MEMORY_GB = 2048 / 1024;
const LAMBDA_GB_SECOND_USD = 0.0000133334;
const LAMBDA_REQUEST_USD = 0.2 / 1_000_000;
const INSPECTOR_INITIAL_SCAN_USD = 0.09;
const INSPECTOR_RESCAN_USD = 0.01;
const SMALL_IMAGES = 50;

export async function benchPipeline(): Promise<void> {
  const big = await generateImage({
    dir: join(root, "bench/.cache/pipeline-100m"),
    stamp: { layers: 2, bytesPerLayer: 50 * MiB, seed: 7, v: 2 },
    layers: [0, 1].map((i) => {
      const layer = corpusLayer(i, 50 * MiB, makeCorpus(mulberry32(7 + i), 8 * MiB), mulberry32(700 + i));
      return i === 0
        ? withOsRelease(async (add) => {
            await add("lib/apk/db/installed", APK_DB);
            await layer(add);
          })
        : layer;
    }),
  });
  const small = await Promise.all(
    Array.from({ length: SMALL_IMAGES }, (_, i) =>
      generateImage({
        dir: join(root, `bench/.cache/pipeline-small/${i}`),
        stamp: { small: i, v: 1 },
        layers: [
          withOsRelease(async (add) => {
            await add("lib/apk/db/installed", APK_DB);
            await add(`srv/app-${i}.txt`, Buffer.from(`small image ${i}\n`.repeat(100)));
          }),
        ],
      }),
    ),
  );
  const warmTag = await addRetaggedConfig(big.dir, big.tag);

  const dbPath = [join(root, "bench/.cache/matching/shared-data.db")].find((p) => existsSync(p));
  const webhook = await startWebhookReceiver();
  const dataDir = await mkdtemp(join(tmpdir(), "portcullis-bench-serve-"));
  let server: LocalServer | undefined;
  try {
    server = await startLocalServer({
      dataDir,
      startRegistry: true,
      concurrency: 2,
      webhook: webhook.url,
      ...(dbPath ? { vulnDbPath: dbPath } : {}),
    });
    const registry = server.registry?.host as string;
    console.log(
      `pipeline: portcullis serve in-process (registry ${registry}, dynalite + s3rver on disk, concurrency 2, ` +
        `DB ${dbPath ? "bench/.cache/matching/shared-data.db" : "none"})`,
    );

    const push = (dir: string, tag: string, repo: string) =>
      run("skopeo", [
        "copy",
        "--quiet",
        "--dest-tls-verify=false",
        `oci:${dir}:${tag}`,
        `docker://${registry}/${repo}`,
      ]);
    const timed = async (dir: string, tag: string, repo: string, status = "scanned") => {
      const started = Date.now();
      const before = webhook.received.length;
      await push(dir, tag, repo);
      const note = await webhook.next(before, (n) =>
        n.image.startsWith(`${registry}/${repo.split(":")[0]}@`),
      );
      if (note.status !== status)
        throw new Error(`${repo}: expected ${status}, got ${note.status} ${note.reason ?? ""}`);
      return { seconds: (Date.now() - started) / 1000, note };
    };

    const mb = (n: number) => `${(n / MiB).toFixed(0)} MiB`;
    const cold = await timed(big.dir, big.tag, "bench/big:v1");
    console.log(
      `  ${mb(big.uncompressedBytes)} image (${mb(big.compressedBytes)} gzip, 2 layers), cold: push→stored ` +
        `${cold.seconds.toFixed(2)} s, scan ${(cold.note.scanMs / 1000).toFixed(2)} s, ${cold.note.packages} packages`,
    );
    const warm = await timed(big.dir, warmTag, "bench/big:v2");
    console.log(
      `  same layers, new config (warm layer cache): push→stored ${warm.seconds.toFixed(2)} s, ` +
        `scan ${(warm.note.scanMs / 1000).toFixed(2)} s (${(cold.note.scanMs / Math.max(warm.note.scanMs, 1)).toFixed(1)}x faster)`,
    );
    const same = await timed(big.dir, big.tag, "bench/big:v1-again", "duplicate");
    console.log(
      `  same digest under another tag: recognised as already scanned in ${same.seconds.toFixed(2)} s`,
    );

    const burstStart = Date.now();
    const before = webhook.received.length;
    await Promise.all(small.map((image, i) => push(image.dir, image.tag, `bench/small-${i}:v1`)));
    const pushedIn = (Date.now() - burstStart) / 1000;
    const notes = await webhook.count(before, SMALL_IMAGES, 300_000);
    const total = (Date.now() - burstStart) / 1000;
    const scanned = notes.filter((n) => n.status === "scanned").length;
    const stored = (await server.images()).filter(
      (i) => i.repository.startsWith("bench/small-") && i.latestScan,
    );
    const latencies = notes.map((n) => (Date.parse(n.finishedAt) - Date.parse(n.pushedAt)) / 1000);
    const scanTimes = notes.map((n) => n.scanMs / 1000);
    console.log(
      `  ${SMALL_IMAGES} small images pushed at once: ${scanned} scanned, ${stored.length} stored, ` +
        `${SMALL_IMAGES - stored.length} lost; pushes done in ${pushedIn.toFixed(1)} s, all stored in ${total.toFixed(1)} s`,
    );
    console.log(
      `  push→stored latency p50 ${percentile(latencies, 0.5).toFixed(2)} s, p95 ${percentile(latencies, 0.95).toFixed(2)} s ` +
        `(queue wait included); scan alone p50 ${percentile(scanTimes, 0.5).toFixed(2)} s`,
    );

    const cost = (seconds: number) => seconds * LAMBDA_MEMORY_GB * LAMBDA_GB_SECOND_USD + LAMBDA_REQUEST_USD;
    const usd = (n: number) => `$${n.toFixed(6)}`;
    console.log(
      "  estimated Lambda cost per scan (measured scan time × 2048 MB arm64 at $0.0000133334/GB-s + $0.20/M requests):",
    );
    console.log(
      `    ${mb(big.uncompressedBytes)} cold ${usd(cost(cold.note.scanMs / 1000))}, warm ${usd(cost(warm.note.scanMs / 1000))}, ` +
        `small ${usd(cost(percentile(scanTimes, 0.5)))}`,
    );
    console.log(
      `    vs Amazon Inspector published list price (assumed): $${INSPECTOR_INITIAL_SCAN_USD.toFixed(2)} per image initial scan, ` +
        `$${INSPECTOR_RESCAN_USD.toFixed(2)} per rescan → ratio ${(INSPECTOR_INITIAL_SCAN_USD / cost(cold.note.scanMs / 1000)).toFixed(0)}x ` +
        "(Lambda compute only: no SQS, DynamoDB, S3, ECR transfer)",
    );
  } finally {
    await server?.stop();
    await webhook.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

// The small images all carry the same real APK database, so each scan finds packages.
const APK_DB = readFileSync(join(root, "test/fixtures/pkgdb/apk/osv-scalibr-alpine-3.18.installed"));

function withOsRelease(
  layer: (add: (name: string, content: Buffer) => Promise<void>) => Promise<void>,
): (add: (name: string, content: Buffer) => Promise<void>) => Promise<void> {
  return async (add) => {
    await add(
      "etc/os-release",
      Buffer.from('ID=alpine\nVERSION_ID=3.18.4\nPRETTY_NAME="Alpine Linux v3.18"\n'),
    );
    await layer(add);
  };
}

/**
 * Adds a second image to the layout: the same layers under a config with one more label, so its
 * manifest digest differs (a new scan) while every layer hits the layer cache.
 */
async function addRetaggedConfig(dir: string, tag: string): Promise<string> {
  const warmTag = `${tag}-warm`;
  const indexPath = join(dir, "index.json");
  const index = JSON.parse(await readFile(indexPath, "utf8")) as {
    manifests: Array<{ digest: string; annotations?: Record<string, string> }>;
  };
  const refName = "org.opencontainers.image.ref.name";
  const source = index.manifests.find((m) => m.annotations?.[refName] === tag);
  if (!source) throw new Error(`no ${tag} in ${dir}`);
  const blob = (digest: string) => join(dir, "blobs", "sha256", digest.slice("sha256:".length));
  const manifest = JSON.parse(await readFile(blob(source.digest), "utf8"));
  const config = JSON.parse(await readFile(blob(manifest.config.digest), "utf8"));
  config.config = { ...config.config, Labels: { "bench.variant": "warm" } };
  const configBytes = Buffer.from(JSON.stringify(config));
  const write = async (bytes: Buffer) => {
    const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    await writeFile(blob(digest), bytes);
    return digest;
  };
  manifest.config = { ...manifest.config, digest: await write(configBytes), size: configBytes.length };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const digest = await write(manifestBytes);
  index.manifests = [
    ...index.manifests.filter((m) => m.annotations?.[refName] !== warmTag),
    {
      ...source,
      digest,
      size: manifestBytes.length,
      annotations: { [refName]: warmTag },
    } as (typeof index.manifests)[0],
  ];
  await writeFile(indexPath, JSON.stringify(index));
  return warmTag;
}

interface WebhookReceiver {
  url: string;
  received: ScanNotification[];
  next(after: number, match: (n: ScanNotification) => boolean, timeoutMs?: number): Promise<ScanNotification>;
  count(after: number, n: number, timeoutMs: number): Promise<ScanNotification[]>;
  close(): Promise<void>;
}

/** Collects what `--webhook` POSTs: the bench times scans from the notifications themselves. */
async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ScanNotification[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString("utf8");
    });
    req.on("end", () => {
      received.push(JSON.parse(body) as ScanNotification);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const wait = async <T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const value = probe();
      if (value !== undefined) return value;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    next: (after, match, timeoutMs = 300_000) =>
      wait(() => received.slice(after).find(match), timeoutMs, "a scan notification"),
    count: (after, n, timeoutMs) =>
      wait(
        () => (received.length - after >= n ? received.slice(after) : undefined),
        timeoutMs,
        `${n} notifications`,
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;
}
