import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { type Browser, chromium } from "playwright-core";
import { DynamoFindingsStore } from "../lib/aws/dynamo-findings-store.js";
import { takeDashboardSnapshot } from "../lib/dashboard/dashboard-snapshot.js";
import { type LocalServer, startLocalServer } from "../lib/local/local-server.js";
import { type SeedOptions, seedFleet } from "../test/helpers/dashboard-seed.js";

/**
 * Issue 10: the dashboard's overview over 10,000 images, loaded in headless Chromium from
 * `portcullis serve`: navigation start → severity counters and trend chart drawn, over LOADS
 * loads, against a static document from the same server in the same run. The seeded data dir is
 * cached in bench/.cache/dashboard-page (the first run seeds it through DynamoFindingsStore).
 */
const root = fileURLToPath(new URL("..", import.meta.url));
const CHROMIUM = "/usr/bin/chromium";
const LOADS = 20;
const WARMUP = 3;
const FLEET: SeedOptions = {
  accounts: 10,
  reposPerAccount: 20,
  imagesPerRepo: 50,
  findingsPerImage: 8,
  seed: 10,
};

// Runs in the page before its scripts: notes when the counters and the trend are both in the DOM.
const READY_PROBE = `
  new MutationObserver((_, observer) => {
    if (document.querySelector(".counters") && document.querySelector('[data-testid="trend-chart"]')) {
      window.__portcullisReady = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
`;

export async function benchDashboardPage(): Promise<void> {
  console.log("## dashboard page: overview load in headless Chromium (issue 10)");
  if (!existsSync(CHROMIUM)) {
    console.log(`skipped: ${CHROMIUM} is missing (scripts/ensure-deps.sh installs chromium)`);
    return;
  }
  const dataDir = join(root, "bench/.cache/dashboard-page/data");
  const seedSeconds = await ensureSeeded(dataDir);
  const server = await startLocalServer({ dataDir });
  let browser: Browser | undefined;
  try {
    await snapshotToday(server);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    const context = await browser.newContext();
    await context.addInitScript(READY_PROBE);
    const summary = (await (await fetch(`${server.url}/api/summary`)).json()) as { images: number };

    const overview: number[] = [];
    const baseline: number[] = [];
    for (let i = 0; i < WARMUP + LOADS; i++) {
      // Interleaved, so drift (GC, caches) weighs on both alike.
      const page = await context.newPage();
      await page.goto(`${server.url}/favicon.svg`);
      const staticMs = (await page.evaluate(
        `performance.getEntriesByType("navigation")[0].loadEventEnd`,
      )) as number;
      await page.goto(`${server.url}/`);
      // A function, not a string: the page's CSP forbids eval of strings.
      await page.waitForFunction(
        () => (globalThis as { __portcullisReady?: number }).__portcullisReady !== undefined,
        undefined,
        {
          timeout: 60_000,
        },
      );
      const readyMs = (await page.evaluate("window.__portcullisReady")) as number;
      await page.close();
      if (i < WARMUP) continue;
      baseline.push(staticMs);
      overview.push(readyMs);
    }
    const p50 = percentile(overview, 50);
    const b50 = percentile(baseline, 50);
    console.log(
      `fleet: ${summary.images.toLocaleString("en")} images (${FLEET.accounts} accounts, ` +
        `${FLEET.accounts * FLEET.reposPerAccount} repositories)${
          seedSeconds !== undefined
            ? `, seeded in ${seedSeconds.toFixed(0)} s`
            : ", seeded data from bench/.cache"
        }`,
    );
    console.log(
      `overview (navigation → counters + trend): p50 ${p50.toFixed(0)} ms, p95 ${percentile(overview, 95).toFixed(0)} ms over ${LOADS} loads`,
    );
    console.log(
      `baseline (static document, same server):  p50 ${b50.toFixed(0)} ms, p95 ${percentile(baseline, 95).toFixed(0)} ms`,
    );
    console.log(`ratio overview/baseline (p50): ${(p50 / b50).toFixed(1)}x`);
  } finally {
    await browser?.close();
    await server.stop();
  }
}

/** Seeds the cached data dir once; returns the seconds it took, or undefined when it was cached. */
async function ensureSeeded(dataDir: string): Promise<number | undefined> {
  const marker = join(dataDir, "seeded.json");
  const want = JSON.stringify(FLEET);
  if (existsSync(marker) && (await readFile(marker, "utf8")) === want) return undefined;
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  const started = performance.now();
  const server = await startLocalServer({ dataDir });
  try {
    const { doc, destroy } = documentClient(server);
    await seedFleet(new DynamoFindingsStore(doc, server.tableName), { ...FLEET, concurrency: 8 });
    destroy();
  } finally {
    await server.stop();
  }
  await writeFile(marker, want);
  return (performance.now() - started) / 1000;
}

/** The trend and top list come from the daily snapshot; a day without one would show none. */
async function snapshotToday(server: LocalServer): Promise<void> {
  const { doc, destroy } = documentClient(server);
  try {
    await takeDashboardSnapshot({ doc, tableName: server.tableName, now: new Date(), replace: true });
  } finally {
    destroy();
  }
}

function documentClient(server: LocalServer) {
  const client = new DynamoDBClient({
    endpoint: server.dynamoEndpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  return {
    doc: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    destroy: () => client.destroy(),
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}
