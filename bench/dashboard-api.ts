import { spawn } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { createTableInput } from "../lib/aws/dynamo-create-table.js";
import { DynamoFindingsStore } from "../lib/aws/dynamo-findings-store.js";
import { DynamoDashboardQueries } from "../lib/dashboard/dashboard-queries.js";
import { takeDashboardSnapshot } from "../lib/dashboard/dashboard-snapshot.js";
import { fleetAccounts, generateFleet, type SeedOptions } from "../test/helpers/dashboard-seed.js";

/**
 * Issue 10: the dashboard API's reads on a fleet of 10,000 images and ~500,000 findings, in
 * dynalite (on disk, in its own process, as DynamoDB is its own service). Seeded once through
 * DynamoFindingsStore.putScan, so the items are exactly what the store writes, and cached under
 * bench/.cache/dashboard-api. Each query's p50/p95 over 200 requests is printed against a single
 * GetItem round trip on the same dynalite: the ratio is how many round trips a page costs.
 */
const root = fileURLToPath(new URL("..", import.meta.url));
const FLEET: SeedOptions = {
  accounts: 5,
  reposPerAccount: 40,
  imagesPerRepo: 50,
  findingsPerImage: 50,
  seed: 2026,
};
const TABLE = "portcullis-bench";
const REQUESTS = 200;
const NOW = new Date("2026-03-01T06:00:00Z");

export async function benchDashboardApi(): Promise<void> {
  const cache = join(root, "bench/.cache/dashboard-api");
  const marker = join(cache, "seeded.json");
  const seededBefore = await readFile(marker, "utf8").catch(() => undefined);
  const wanted = JSON.stringify(FLEET);
  if (seededBefore && JSON.parse(seededBefore).fleet !== wanted)
    await rm(cache, { recursive: true, force: true });
  const seeded =
    seededBefore && JSON.parse(seededBefore).fleet === wanted ? JSON.parse(seededBefore) : undefined;
  await mkdir(join(cache, "db"), { recursive: true });

  const server = await startDynalite(join(cache, "db"));
  const client = new DynamoDBClient({
    endpoint: server.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
  });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  try {
    let seedInfo = seeded as { images: number; findings: number; seconds: number } | undefined;
    if (!seedInfo) {
      await client.send(new CreateTableCommand(createTableInput(TABLE)));
      const store = new DynamoFindingsStore(doc, TABLE, { batchWrite: { concurrency: 2 } });
      const started = performance.now();
      let images = 0;
      let findings = 0;
      const iterator = generateFleet(FLEET);
      const worker = async () => {
        for (let next = iterator.next(); !next.done; next = iterator.next()) {
          const image = next.value;
          await store.putScan(image.job, image.summary, image.findings);
          images++;
          findings += image.findings.length;
          if (images % 1000 === 0)
            console.error(
              `  seeded ${images} images, ${findings} findings, ${((performance.now() - started) / 1000).toFixed(0)} s`,
            );
        }
      };
      await Promise.all(Array.from({ length: 12 }, worker));
      await takeDashboardSnapshot({ doc, tableName: TABLE, now: NOW });
      seedInfo = { images, findings, seconds: (performance.now() - started) / 1000 };
      await writeFile(marker, JSON.stringify({ fleet: wanted, ...seedInfo }));
    }

    const queries = new DynamoDashboardQueries(doc, TABLE);
    const accounts = fleetAccounts(FLEET);
    const account = accounts[1] as string;
    const top = await queries.topVulnerabilities(undefined, {}, {}, { limit: 1 });
    const cve = top.items[0]?.id as string;
    const repositories = (await queries.repositories(account, { limit: 500 })).items.map((r) => r.repository);

    const baseline = await measure(() =>
      doc.send(new GetCommand({ TableName: TABLE, Key: { PK: "FLEET", SK: "SUMMARY" } })),
    );
    const overview = await measure(() =>
      Promise.all([
        queries.summary(undefined, {}),
        queries.accounts(undefined, { limit: 50 }),
        queries.topVulnerabilities(undefined, {}, {}, { limit: 20 }),
        queries.trend(undefined, 30, NOW),
      ]),
    );
    let i = 0;
    const repository = await measure(() =>
      queries.images(
        undefined,
        { account, repository: repositories[i++ % repositories.length] as string },
        { limit: 50 },
      ),
    );
    // The most widespread CVE: its affected-images partition is the largest one.
    let cursor: string | undefined;
    const affected = await measure(async () => {
      const page = await queries.affectedImages(
        undefined,
        cve,
        {},
        { limit: 50, ...(cursor ? { cursor } : {}) },
      );
      cursor = page.next; // walk on, so later requests read deeper pages
    });
    const fleetImages = await measure(() => queries.images(undefined, {}, { limit: 50 }));

    console.log("## dashboard-api: dashboard queries on 10,000 images / 500,000 findings (issue 10)");
    console.log(
      `fleet: ${seedInfo.images} images, ${seedInfo.findings} findings in dynalite (on disk, own process); ` +
        (seeded ? "seeded earlier (cached)" : `seeded through putScan in ${seedInfo.seconds.toFixed(0)} s`),
    );
    console.log(
      `${cve} is open in ${top.items[0]?.images} images; ${REQUESTS} requests per query, one at a time`,
    );
    const line = (name: string, t: Timing) =>
      console.log(
        `${name.padEnd(44)} p50 ${t.p50.toFixed(1).padStart(6)} ms  p95 ${t.p95.toFixed(1).padStart(6)} ms  ` +
          `(${(t.p50 / baseline.p50).toFixed(1)}× / ${(t.p95 / baseline.p95).toFixed(1)}× GetItem)`,
      );
    line("baseline: one GetItem round trip", baseline);
    line("overview: summary+accounts+top 20+trend", overview);
    line("repository: images of one repository, 50", repository);
    line("CVE: affected images, 50 a page", affected);
    line("fleet: riskiest 50 images", fleetImages);
  } finally {
    client.destroy();
    await server.stop();
  }
}

interface Timing {
  p50: number;
  p95: number;
}

async function measure(run: () => Promise<unknown>): Promise<Timing> {
  for (let w = 0; w < 10; w++) await run(); // warm up connections and dynalite's caches
  const times: number[] = [];
  for (let r = 0; r < REQUESTS; r++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] as number;
  return { p50: at(0.5), p95: at(0.95) };
}

/** dynalite with its leveldb directory, in a child process so it has a core of its own. */
async function startDynalite(path: string): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const script = `
    const dynalite = require("dynalite");
    const server = dynalite({ path: process.argv[1], createTableMs: 0 });
    server.listen(0, "127.0.0.1", () => process.stdout.write(String(server.address().port) + "\\n"));
  `;
  const child = spawn(process.execPath, ["-e", script, path], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`dynalite exited ${code}`)));
    child.stdout.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners("exit");
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchDashboardApi();
