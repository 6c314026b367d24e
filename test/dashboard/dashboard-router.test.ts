import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoFindingsStore } from "../../lib/aws/dynamo-findings-store.js";
import type {
  DashboardPrincipal,
  DashboardRequest,
  ImageDetail,
  ImageRow,
  Page,
} from "../../lib/dashboard/api-contract.js";
import { toCsv } from "../../lib/dashboard/csv-export.js";
import { DynamoDashboardQueries } from "../../lib/dashboard/dashboard-queries.js";
import { type DashboardRouterDeps, routeDashboardRequest } from "../../lib/dashboard/dashboard-router.js";
import { encodeKeyCursor } from "../../lib/dashboard/page-cursor.js";
import { type AwsEmulators, createTable, startAwsEmulators } from "../helpers/aws-emulators.js";
import { type SeededFleet, seedFleet } from "../helpers/dashboard-seed.js";
import { openCountsOf } from "./fleet-truth.js";

let emulators: AwsEmulators;
let fleet: SeededFleet;
let deps: DashboardRouterDeps;
const signed: string[] = [];

const viewer: DashboardPrincipal = { subject: "alice", groups: ["portcullis-viewers"] };

/** `null`: no principal at all (undefined would take the default). */
function request(
  path: string,
  query: Record<string, string> = {},
  principal: DashboardPrincipal | null = viewer,
) {
  const r: DashboardRequest = { method: "GET", path, query, ...(principal ? { principal } : {}) };
  return routeDashboardRequest(r, deps);
}

async function body<T>(path: string, query: Record<string, string> = {}, principal = viewer): Promise<T> {
  const response = await request(path, query, principal);
  expect(response.status, response.body).toBe(200);
  expect(response.headers["cache-control"]).toBe("no-store");
  expect(response.headers["content-type"]).toBe("application/json; charset=utf-8");
  return JSON.parse(response.body) as T;
}

const imagePath = (key: string, suffix = "") => `/api/images/${encodeURIComponent(key)}${suffix}`;

beforeAll(async () => {
  emulators = await startAwsEmulators();
  const client = emulators.dynamoClient();
  await createTable(client, "router");
  const store = new DynamoFindingsStore(client, "router");
  fleet = await seedFleet(store, {
    accounts: 3,
    reposPerAccount: 2,
    imagesPerRepo: 5,
    findingsPerImage: 40,
    seed: 11,
  });
  deps = {
    queries: new DynamoDashboardQueries(client, "router"),
    signDownload: async (key) => {
      signed.push(key);
      return `https://bucket.s3.amazonaws.com/${key}?X-Amz-Signature=abc`;
    },
    now: () => new Date("2026-03-01T00:00:00Z"),
  };
}, 120_000);
afterAll(async () => {
  await emulators?.stop();
});

describe("routeDashboardRequest: authorization first", () => {
  it("answers 401 without a principal and 403 without the viewer group, before routing", async () => {
    const anonymous = await request("/api/summary", {}, null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers["www-authenticate"]).toBe("Bearer");
    expect((await request("/api/nowhere", {}, null)).status).toBe(401);
    const outsider = { subject: "bob", groups: [`account-${fleet.accounts[0]}`, "admins"] };
    expect((await request("/api/summary", {}, outsider)).status).toBe(403);
    expect((await request("/api/nowhere", {}, outsider)).status).toBe(403);
    expect((await request("/api/nowhere")).status).toBe(404);
  });

  it("limits a principal with account groups to those accounts", async () => {
    const [mine, other] = fleet.accounts as [string, string, string];
    const scoped = { subject: "carol", groups: ["portcullis-viewers", `account-${mine}`] };
    const accounts = await body<Page<{ account: string }>>("/api/accounts", {}, scoped);
    expect(accounts.items.map((a) => a.account)).toEqual([mine]);
    const summary = await body<{ open: unknown; images: number }>("/api/summary", {}, scoped);
    expect(summary.open).toEqual(openCountsOf(fleet.images.filter((i) => i.job.account === mine)));
    const images = await body<Page<ImageRow>>("/api/images", { limit: "500" }, scoped);
    expect(images.items.length).toBe(10);
    expect(images.items.every((i) => i.account === mine)).toBe(true);

    expect((await request("/api/summary", { account: other }, scoped)).status).toBe(403);
    expect((await request(`/api/accounts/${other}/repositories`, {}, scoped)).status).toBe(403);
    expect((await request("/api/images", { account: other }, scoped)).status).toBe(403);
    const foreign = fleet.images.find((i) => i.job.account === other)?.imageKey as string;
    expect((await request(imagePath(foreign), {}, scoped)).status).toBe(404);
    expect((await request(imagePath(foreign, "/report"), {}, scoped)).status).toBe(404);
    const vuln = fleet.images.find((i) => i.job.account === other)?.findings[0]?.id as string;
    const affected = await body<Page<{ account: string }>>(
      `/api/vulnerabilities/${vuln}`,
      { limit: "500" },
      scoped,
    );
    expect(affected.items.every((r) => r.account === mine)).toBe(true);
  });
});

describe("routeDashboardRequest: routes", () => {
  it("walks /api/images page by page through the router, with no duplicates and no gaps", async () => {
    const keys: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await body<Page<ImageRow>>("/api/images", { limit: "4", ...(cursor ? { cursor } : {}) });
      keys.push(...page.items.map((i) => i.imageKey));
      cursor = page.next;
    } while (cursor);
    expect(keys.length).toBe(fleet.images.length);
    expect(new Set(keys)).toEqual(new Set(fleet.images.map((i) => i.imageKey)));
  });

  it("answers every route", async () => {
    const account = fleet.accounts[0] as string;
    const repository = fleet.images[0]?.job.repository as string;
    expect((await body<{ images: number }>("/api/summary")).images).toBe(fleet.images.length);
    expect(await body("/api/summary", { account, repository })).toMatchObject({
      scope: { account, repository },
      images: 5,
    });
    expect((await body<Page<unknown>>(`/api/accounts/${account}/repositories`)).items).toHaveLength(2);
    expect((await body<Page<unknown>>("/api/images", { account, repository })).items).toHaveLength(5);
    expect(await body("/api/coverage")).toEqual({
      pushed: fleet.images.length,
      scanned: fleet.images.length,
      failed: 0,
    });
    expect(await body("/api/trend", { days: "7" })).toEqual({ points: [] });
    expect(await body("/api/vulnerabilities/top")).toEqual({ items: [] }); // no snapshot yet

    const image = fleet.images[2] as (typeof fleet.images)[number];
    const detail = await body<ImageDetail>(imagePath(image.imageKey));
    expect(detail.image.imageKey).toBe(image.imageKey);
    expect(detail.findings).toHaveLength(image.findings.length);
    expect(detail.links).toEqual({
      report: imagePath(image.imageKey, "/report"),
      sbom: imagePath(image.imageKey, "/sbom"),
    });
    const high = await body<ImageDetail>(imagePath(image.imageKey), {
      severity: "high,critical",
      fixable: "true",
    });
    expect(high.findings.every((f) => ["HIGH", "CRITICAL"].includes(f.severity) && f.fixable)).toBe(true);

    const affected = await body<Page<{ imageKey: string }>>(`/api/vulnerabilities/${image.findings[0]?.id}`);
    expect(affected.items.map((r) => r.imageKey)).toContain(image.imageKey);
  });

  it("redirects report and SBOM downloads to a signed URL", async () => {
    const image = fleet.images[1] as (typeof fleet.images)[number];
    const report = await request(imagePath(image.imageKey, "/report"));
    expect(report.status).toBe(302);
    expect(report.headers.location).toBe(
      `https://bucket.s3.amazonaws.com/${image.summary.reportKey}?X-Amz-Signature=abc`,
    );
    const sbom = await request(imagePath(image.imageKey, "/sbom"));
    expect(sbom.status).toBe(302);
    // A page with a bearer token asks for the URL itself and navigates to it.
    const asJson = await request(imagePath(image.imageKey, "/report"), { redirect: "false" });
    expect(asJson.status).toBe(200);
    expect(JSON.parse(asJson.body)).toEqual({ url: report.headers.location });
    expect(signed.slice(-3)).toEqual([
      image.summary.reportKey,
      image.summary.sbomKey,
      image.summary.reportKey,
    ]);
    const unsigned = await routeDashboardRequest(
      { method: "GET", path: imagePath(image.imageKey, "/report"), query: {}, principal: viewer },
      { queries: deps.queries },
    );
    expect(unsigned.status).toBe(404);
    expect((await request(imagePath(image.imageKey, "/layers"))).status).toBe(404);
  });

  it("validates input: limit, cursor, imageKey, filters", async () => {
    const bad: Array<Record<string, string>> = [
      { limit: "0" },
      { limit: "501" },
      { limit: "ten" },
      { limit: "-1" },
      { severity: "SEVERE" },
      { fixable: "yes" },
      { days: "0" },
    ];
    for (const query of bad)
      expect((await request("/api/images", query)).status, JSON.stringify(query)).toBe(400);
    expect((await request("/api/images", { repository: "x" })).status).toBe(400); // repository needs account
    expect((await request(imagePath("not-a-key"))).status).toBe(400);
    expect(await request("/api/images/%E0%A4%A")).toMatchObject({ status: 400 });
    expect((await request("/api/vulnerabilities/CVE%20bad")).status).toBe(400);
    const forged = [
      "AAAA",
      "not base64!",
      encodeKeyCursor({ PK: "IMAGE#x", SK: "META", PK5: "RISK#elsewhere", SK5: "1" }),
      Buffer.from(JSON.stringify({ k: { PK: { S: "x" } } })).toString("base64url"),
      Buffer.from("[1,2,3]").toString("base64url"),
    ];
    for (const cursor of forged) {
      const response = await request("/api/images", { cursor });
      expect(response.status, cursor).toBe(400);
      expect(JSON.parse(response.body)).toEqual({ error: "invalid cursor" });
    }
    expect((await request("/api/accounts", { cursor: forged[2] as string })).status).toBe(400);
    expect(
      (
        await routeDashboardRequest(
          { method: "POST", path: "/api/summary", query: {}, principal: viewer },
          deps,
        )
      ).status,
    ).toBe(405);
  });

  it("exports a list as CSV with formula cells neutralised, and as JSON", async () => {
    const image = fleet.images.find((i) =>
      i.findings.some((f) => f.summary?.startsWith("=")),
    ) as (typeof fleet.images)[number];
    const csv = await request(imagePath(image.imageKey), { format: "csv" });
    expect(csv.status).toBe(200);
    expect(csv.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(csv.headers["content-disposition"]).toMatch(
      /^attachment; filename="portcullis-image-findings\.csv"$/,
    );
    const lines = csv.body.trimEnd().split("\r\n");
    expect(lines).toHaveLength(image.findings.length + 1);
    expect(lines[0]?.split(",").slice(0, 3)).toEqual(["id", "aliases", "severity"]);
    // No cell may start with a formula character once the CSV is parsed.
    const cells = lines.slice(1).flatMap((line) => line.match(/("([^"]|"")*"|[^,]*)(,|$)/g) ?? []);
    for (const raw of cells) {
      const cell = raw.replace(/,$/, "").replace(/^"(.*)"$/s, "$1");
      expect(cell, raw).not.toMatch(/^[=+\-@]/);
    }
    expect(csv.body).toContain(`"'=HYPERLINK(""http://x.test"",""flaw`);

    const all = await request("/api/images", { format: "csv", limit: "3" });
    expect(all.body.trimEnd().split("\r\n")).toHaveLength(fleet.images.length + 1);
    const json = await request("/api/images", { format: "json" });
    expect(json.headers["content-disposition"]).toBe('attachment; filename="portcullis-images.json"');
    expect((JSON.parse(json.body) as unknown[]).length).toBe(fleet.images.length);
  });

  it("escapes every formula lead character, quotes and line breaks", () => {
    const csv = toCsv([
      {
        a: "=1+1",
        b: "+x",
        c: "-y",
        d: "@z",
        e: 'say "hi", ok',
        f: ["x", "y"],
        g: "\tz",
        h: "line\nbreak",
        i: 5,
      },
    ]);
    expect(csv).toBe(`a,b,c,d,e,f,g,h,i\r\n'=1+1,'+x,'-y,'@z,"say ""hi"", ok",x y,'\tz,"line\nbreak",5\r\n`);
  });
});
