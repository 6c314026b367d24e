import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Browser, Page } from "playwright-core";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoFindingsStore } from "../../lib/aws/dynamo-findings-store.js";
import type { ImageDetail } from "../../lib/dashboard/api-contract.js";
import { takeDashboardSnapshot } from "../../lib/dashboard/dashboard-snapshot.js";
import { findDashboardDir } from "../../lib/local/dashboard-routes.js";
import { type LocalServer, startLocalServer } from "../../lib/local/local-server.js";
import { type SeededFleet, seedFleet } from "../helpers/dashboard-seed.js";

/**
 * The dashboard as a user sees it: `portcullis serve` (without the registry) over a seeded fleet,
 * driven in Debian's headless Chromium through playwright-core (no browser download).
 */
const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(
    `dashboard browser test skipped: ${CHROMIUM} is missing (scripts/ensure-deps.sh installs chromium)`,
  );

describe.skipIf(!haveChromium)("dashboard in headless Chromium", () => {
  let work: string;
  let server: LocalServer;
  let browser: Browser;
  let page: Page;
  let dynamo: DynamoDBClient;
  let fleet: SeededFleet;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "portcullis-dashboard-e2e-"));
    server = await startLocalServer({ dataDir: join(work, "data") });
    dynamo = new DynamoDBClient({
      endpoint: server.dynamoEndpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    const doc = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
    fleet = await seedFleet(new DynamoFindingsStore(doc, server.tableName), {
      accounts: 3,
      reposPerAccount: 4,
      imagesPerRepo: 25,
      findingsPerImage: 12,
      // A seed whose fleet has KEV findings, so the KEV filter has something to keep.
      seed: 2,
    });
    // The trend and the top list come from the daily snapshot: take three days of them.
    const today = Date.now();
    for (const daysAgo of [2, 1, 0])
      await takeDashboardSnapshot({
        doc,
        tableName: server.tableName,
        now: new Date(today - daysAgo * 86_400_000),
        // serve took today's (empty) snapshot at start.
        replace: true,
      });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("pageerror", (err) => pageErrors.push(err.message));
    page.on("console", (msg) => {
      // CSP violations and failed loads are reported as console errors.
      if (msg.type() === "error") pageErrors.push(msg.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    dynamo?.destroy();
    await server?.stop();
    await rm(work, { recursive: true, force: true });
  });

  const api = async <T>(path: string): Promise<T> =>
    (await (await fetch(`${server.url}${path}`)).json()) as T;
  const heading = () => page.locator("main h1");
  const rows = (section: string) => page.locator(`section[aria-labelledby="${section}"] tbody tr`);

  it("shows the fleet's counters and trend on the overview", async () => {
    await page.goto(`${server.url}/`);
    await expect.poll(() => heading().textContent()).toBe("Fleet overview");
    await page.locator(".counters").waitFor();
    const expected = expectedCounts(fleet);
    const counter = (name: string) =>
      page
        .locator(`[data-counter="${name}"] .counter-value`)
        .textContent()
        .then((t) => Number(t?.replace(/,/g, "")));
    for (const [name, value] of Object.entries(expected)) expect(await counter(name), name).toBe(value);
    expect(expected.images).toBe(300);
    expect(expected.open).toBeGreaterThan(2000);
    expect(expected.kev).toBeGreaterThan(0);
    const chart = page.locator('[data-testid="trend-chart"] svg[role="img"]');
    await chart.waitFor();
    expect(await chart.locator("polyline").count()).toBeGreaterThan(0);
    expect(await rows("accounts-heading").count()).toBe(fleet.accounts.length);
    expect(await rows("top-heading").count()).toBeGreaterThan(0);
  });

  it("drills down account → repository → image, and filters and searches findings", async () => {
    const account = (await rows("accounts-heading").first().locator("a").textContent()) as string;
    await rows("accounts-heading").first().locator("a").click();
    await expect.poll(() => heading().textContent()).toBe(`Account ${account}`);
    await rows("repositories-heading").first().waitFor();
    const repository = (await rows("repositories-heading").first().locator("a").textContent()) as string;
    await rows("repositories-heading").first().locator("a").click();
    await expect.poll(() => heading().textContent()).toBe(`Repository ${repository}`);
    await rows("images-heading").first().waitFor();
    // Riskiest first: the risk column never increases down the table.
    const risks = (await rows("images-heading").locator("td.num").allTextContents()).map((t) =>
      Number(t.replace(/,/g, "")),
    );
    expect(risks).toEqual([...risks].sort((a, b) => b - a));
    await rows("images-heading").first().locator("a").click();
    await page.locator("table.findings tbody tr").first().waitFor();

    const imageKey = decodeURIComponent(new URL(page.url()).hash.replace(/^#\/images\//, ""));
    const detail = await api<ImageDetail>(`/api/images/${encodeURIComponent(imageKey)}`);
    expect(detail.image.repository).toBe(repository);
    const findingRows = page.locator("table.findings tbody tr");
    expect(await findingRows.count()).toBe(Math.min(200, detail.findings.length));
    // Every finding shows the layer that introduced it.
    expect(await findingRows.first().locator("td.layer").textContent()).toMatch(/\S/);

    // Severity: only Critical and High.
    for (const level of ["Medium", "Low", "Unknown"]) await page.getByLabel(level, { exact: true }).uncheck();
    const severe = detail.findings.filter((f) => f.severity === "CRITICAL" || f.severity === "HIGH");
    await expect.poll(() => findingRows.count()).toBe(Math.max(1, Math.min(200, severe.length)));
    const shown = await findingRows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-severity")));
    expect(new Set(shown.filter(Boolean))).toEqual(new Set(severe.map((f) => f.severity)));

    // Plus KEV only.
    await page.getByLabel("Known exploited (KEV)").check();
    const severeKev = severe.filter((f) => f.kev);
    // The riskiest image of the riskiest repository has some (KEV weighs on the risk).
    expect(severeKev.length).toBeGreaterThan(0);
    await expect
      .poll(() => page.locator("#findings-count").textContent())
      .toContain(`${severeKev.length} of ${detail.findings.length} findings match`);
    expect(await findingRows.count()).toBe(Math.min(200, severeKev.length));
    for (const text of await findingRows.allTextContents()) expect(text).toContain("Known exploited");
    for (const level of ["Medium", "Low", "Unknown"]) await page.getByLabel(level, { exact: true }).check();
    await page.getByLabel("Known exploited (KEV)").uncheck();

    // Search by CVE: exactly that vulnerability's rows remain.
    const target = detail.findings[detail.findings.length - 1] as ImageDetail["findings"][number];
    await page.getByLabel("Search CVE or package").fill(target.id);
    const expected = detail.findings.filter(
      (f) =>
        f.id.toLowerCase().includes(target.id.toLowerCase()) ||
        f.aliases.some((a) => a.toLowerCase().includes(target.id.toLowerCase())) ||
        f.package.name.toLowerCase().includes(target.id.toLowerCase()),
    );
    await expect.poll(() => findingRows.count()).toBe(expected.length);
    expect(await findingRows.first().locator("th a").textContent()).toBe(target.id);

    // Sorting by severity is announced on the header.
    await page.getByRole("button", { name: "Severity" }).click();
    expect(await page.locator('th[data-sort="severity"]').getAttribute("aria-sort")).toBe("ascending");

    // The CVE page lists the images it affects, this one among them.
    await findingRows.first().locator("th a").click();
    await expect.poll(() => heading().textContent()).toBe(target.id);
    await rows("affected-heading").first().waitFor();
    const affected = await rows("affected-heading")
      .locator("a")
      .evaluateAll((as) =>
        as.map((a) => decodeURIComponent((a.getAttribute("href") ?? "").replace(/^#\/images\//, ""))),
      );
    expect(affected).toContain(imageKey);

    // Its CSV export is CSV of the same rows.
    const csvHref = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
    const csv = await fetch(new URL(csvHref as string, server.url));
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split(/\r?\n/);
    expect(lines[0]).toContain("imageKey");
    expect(lines.length - 1).toBeGreaterThanOrEqual(affected.length);
  });

  it("loads more accounts' images page by page", async () => {
    const account = fleet.accounts[0] as string;
    await page.goto(`${server.url}/#/accounts/${account}`);
    const images = rows("images-heading");
    await expect.poll(() => images.count()).toBe(50);
    await page
      .locator('section[aria-labelledby="images-heading"]')
      .getByRole("button", { name: "Load more" })
      .click();
    await expect.poll(() => images.count()).toBe(100);
    expect(await page.locator('section[aria-labelledby="images-heading"] .load-more').isHidden()).toBe(true);
    const keys = await images.locator("th a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    expect(new Set(keys).size).toBe(100);
  });

  it("downloads an image's report through a short-lived local link", async () => {
    const image = fleet.images[1] as SeededFleet["images"][number];
    const report = JSON.stringify({ schemaVersion: 1, imageKey: image.imageKey });
    const s3 = new S3Client({
      endpoint: server.s3Endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
      forcePathStyle: true,
    });
    await s3.send(
      new PutObjectCommand({ Bucket: server.bucket, Key: image.summary.reportKey, Body: report }),
    );
    s3.destroy();
    await page.goto(`${server.url}/#/images/${encodeURIComponent(image.imageKey)}`);
    const link = page.getByRole("link", { name: "Full report (JSON)" });
    await link.waitFor();
    const href = (await link.getAttribute("href")) as string;
    const redirect = await fetch(href, { redirect: "manual" });
    expect(redirect.status).toBe(302);
    const location = redirect.headers.get("location") as string;
    expect(location).toMatch(/^\/downloads\/reports\/.*\?expires=\d+&sig=[0-9a-f]{64}$/);
    const download = await fetch(new URL(location, server.url));
    expect(download.status).toBe(200);
    expect(download.headers.get("content-disposition")).toMatch(/^attachment/);
    expect(await download.text()).toBe(report);
    // A tampered signature, or the SBOM that was never stored, is refused.
    // (Flip the first hex digit: replacing it with a fixed one would sometimes change nothing.)
    const tampered = location.replace(/sig=(.)/, (_, c: string) => `sig=${c === "0" ? "1" : "0"}`);
    expect((await fetch(new URL(tampered, server.url))).status).toBe(403);
    const sbom = await fetch(`${server.url}/api/images/${encodeURIComponent(image.imageKey)}/sbom`);
    expect(sbom.status).toBe(404);
  });

  it("is reachable by keyboard: the first Tab focuses the skip link, which moves focus to main", async () => {
    // A fresh document: on the shared page, a hash change keeps the focus where it was.
    const fresh = await browser.newPage();
    try {
      await fresh.goto(`${server.url}/#/`);
      await fresh.locator(".counters").waitFor();
      await fresh.keyboard.press("Tab");
      const focused = await fresh.evaluate(`(() => {
        const el = document.activeElement;
        const style = getComputedStyle(el);
        return { text: el.textContent, outline: style.outlineStyle, top: el.getBoundingClientRect().top };
      })()`);
      // Visible when focused: on screen, with an outline.
      expect(focused).toMatchObject({ text: "Skip to main content", outline: "solid" });
      expect((focused as { top: number }).top).toBeGreaterThanOrEqual(0);
      await fresh.keyboard.press("Enter");
      expect(await fresh.evaluate("document.activeElement?.id")).toBe("main");
    } finally {
      await fresh.close();
    }
  });

  it("finds dashboard/ from the compiled CLI's directory too", () => {
    const root = fileURLToPath(new URL("../..", import.meta.url));
    expect(findDashboardDir(join(root, "dist/lib/local"))).toBe(join(root, "dashboard"));
    expect(findDashboardDir(join(root, "lib/local"))).toBe(join(root, "dashboard"));
  });

  it("serves the page with a strict CSP, nosniff, and nothing outside dashboard/", async () => {
    const index = await fetch(`${server.url}/`);
    expect(index.headers.get("content-security-policy")).toMatch(/^default-src 'self'/);
    expect(index.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await (await fetch(`${server.url}/config.json`)).json()).toEqual({ apiBase: "/api", auth: null });
    for (const path of [
      "/..%2fpackage.json",
      "/%2e%2e/package.json",
      "/views/..%2f..%2fpackage.json",
      "/.git/HEAD",
    ])
      expect((await fetch(`${server.url}${path}`)).status, path).toBe(404);
    expect(pageErrors).toEqual([]);
  });

  it("takes screenshots of the overview and an image", async () => {
    // Kept after the run (overwritten by the next) for people to look at.
    const dir = join(tmpdir(), "portcullis-dashboard-screenshots");
    await mkdir(dir, { recursive: true });
    await page.goto(`${server.url}/#/`);
    await page.locator('[data-testid="trend-chart"] svg[role="img"]').waitFor();
    await page.locator('section[aria-labelledby="top-heading"] tbody tr').first().waitFor();
    await page.screenshot({ path: join(dir, "overview.png"), fullPage: true });
    await page.goto(`${server.url}/#/images/${encodeURIComponent(fleet.images[0]?.imageKey as string)}`);
    await page.locator("table.findings tbody tr").first().waitFor();
    await page.screenshot({ path: join(dir, "image.png") });
    for (const name of ["overview.png", "image.png"]) {
      const png = await readFile(join(dir, name));
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect(png.length).toBeGreaterThan(10_000);
    }
  });
});

/** What the overview must show: counted from the seeded scans, not read back through the API. */
function expectedCounts(fleet: SeededFleet): Record<string, number> {
  const out: Record<string, number> = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
  let fixable = 0;
  let kev = 0;
  for (const image of fleet.images) {
    for (const f of image.findings) {
      // The API folds a distro's NEGLIGIBLE into LOW.
      const level = f.severity.level === "NEGLIGIBLE" ? "LOW" : f.severity.level;
      out[level] = (out[level] ?? 0) + 1;
      if (f.fixedVersions.length > 0) fixable++;
      if (f.kev) kev++;
    }
  }
  const open = Object.values(out).reduce((a, b) => a + b, 0);
  return { ...out, open, images: fleet.images.length, fixable, kev };
}
