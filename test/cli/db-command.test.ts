import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secdbAndNvdFiles } from "../helpers/feed-mirror.js";
import { buildLayer, writeOciLayout } from "../helpers/oci-builder.js";
import { buildZip } from "../helpers/zip-builder.js";

/**
 * `portcullis db build | update | info` and `scan --db`, as users run them: the compiled CLI, a DB
 * made from real advisory files, and `db update` against a local mirror serving real-format feeds.
 */
const root = fileURLToPath(new URL("../..", import.meta.url));
const fixtures = join(root, "test/fixtures/advisories");
const cli = join(root, "dist/cli/main.js");
let work: string;
let layout: string;
let server: Server;
let mirror: string;
let failing = false;

function portcullis(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { env: { ...process.env, XDG_CACHE_HOME: join(work, "cache") }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  execFileSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "inherit" });
  work = await mkdtemp(join(tmpdir(), "portcullis-db-cli-"));
  layout = join(work, "alpine");
  const layer = await buildLayer(
    [
      { path: "etc/os-release", content: "ID=alpine\nVERSION_ID=3.11.6\n" },
      { path: "lib/apk/db/installed", content: "P:openssl\nV:1.1.1d-r0\no:openssl\nA:x86_64\n" },
    ],
    "gzip",
  );
  await writeOciLayout(layout, { layers: [layer], tag: "t" });

  // A mirror in the published layout: one real PyPI record set as the PyPI export, empty exports
  // for the other ecosystems, and the real-format tracker, KEV and EPSS files.
  const pypiRecords = gunzipSync(await readFile(join(fixtures, "osv/pypi.jsonl.gz")))
    .toString()
    .split("\n")
    .filter(Boolean)
    .slice(0, 50);
  const pypiZip = buildZip(pypiRecords.map((line) => ({ name: `${JSON.parse(line).id}.json`, data: line })));
  const emptyZip = buildZip([]);
  const files: Record<string, Buffer> = {
    "/debian-tracker.json": await readFile(join(fixtures, "debian-tracker/vunnel-debian.json")),
    "/known_exploited_vulnerabilities.json": await readFile(
      join(fixtures, "enrichment/known_exploited_vulnerabilities.json"),
    ),
    "/epss_scores-current.csv.gz": await readFile(join(fixtures, "enrichment/epss_scores-2025-01-10.csv.gz")),
    ...secdbAndNvdFiles({
      "/secdb/v3.20/main.json": await readFile(join(fixtures, "secdb/vuln-list-update-edge-main.json")),
      "/nvd/nvdcve-2.0-2024.json.gz": gzipSync(
        await readFile(join(fixtures, "enrichment/nvdcve-2.0-sample.json")),
      ),
    }),
  };
  server = createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? "");
    if (failing && url.startsWith("/osv/Go/")) {
      res.writeHead(500);
      res.end();
      return;
    }
    const body = url === "/osv/PyPI/all.zip" ? pypiZip : url.startsWith("/osv/") ? emptyZip : files[url];
    if (!body) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { "content-length": body.length });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await rm(work, { recursive: true, force: true });
});

describe("portcullis db", () => {
  it("builds a DB offline from advisory files, reports on it, and scans with it", async () => {
    const db = join(work, "built.db");
    const built = await portcullis([
      "db",
      "build",
      "--source",
      join(fixtures, "secdb/alpine-v3.11-main.yaml"),
      "--source",
      join(fixtures, "enrichment/known_exploited_vulnerabilities.json"),
      "-o",
      db,
    ]);
    expect(built.code).toBe(0);
    expect(built.stdout).toMatch(/^built .*: 1124 advisories/);

    const info = JSON.parse((await portcullis(["db", "info", "--db", db, "-f", "json"])).stdout);
    expect(info.counts.advisories).toBe(1124);
    expect(info.stale).toBe(false);
    expect(info.sources.map((s: { name: string }) => s.name)).toEqual([
      "alpine-v3.11-main.yaml",
      "known_exploited_vulnerabilities.json",
    ]);

    const scan = await portcullis(["scan", `oci:${layout}:t`, "--db", db, "-f", "json", "--no-cache"]);
    expect(scan.code).toBe(0);
    const report = JSON.parse(scan.stdout);
    expect(report.vulnerabilities.map((v: { id: string }) => v.id).sort()).toEqual([
      "CVE-2019-1547",
      "CVE-2019-1549",
      "CVE-2019-1551",
      "CVE-2019-1563",
    ]);
    const table = await portcullis(["scan", `oci:${layout}:t`, "--db", db, "--no-cache"]);
    expect(table.stdout).toMatch(/\(alpine 3\.11\.6\)\nTotal: 4 \(/);
    expect(table.stdout).toMatch(/openssl\s+CVE-2019-1551\s+\S+\s+fixed\s+1\.1\.1d-r0\s+1\.1\.1d-r3/);
  });

  it("scans without a DB, saying how to get one", async () => {
    const scan = await portcullis(["scan", `oci:${layout}:t`, "-f", "json", "--no-cache"]);
    expect(scan.code).toBe(0);
    expect(scan.stderr).toMatch(/no vulnerability DB yet; run `portcullis db update`/);
    expect(JSON.parse(scan.stdout).vulnerabilities).toBeUndefined();
  });

  it("fails cleanly for a --db file that does not exist", async () => {
    const scan = await portcullis(["scan", `oci:${layout}:t`, "--db", join(work, "missing.db")]);
    expect(scan.code).toBe(2);
    expect(scan.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("updates from a mirror, and keeps the old DB when a feed fails", async () => {
    const update = await portcullis(["db", "update", "--mirror", mirror]);
    expect(update.stderr).toBe("");
    expect(update.code).toBe(0);
    const dbFile = join(work, "cache", "portcullis", "db", "portcullis.db");
    const info = JSON.parse((await portcullis(["db", "info", "-f", "json"])).stdout);
    // 50 PyPI records, 6 from the Debian tracker, 2 from Alpine's secdb.
    expect(info.counts.advisories).toBe(50 + 6 + 2);
    expect(info.sources.map((s: { name: string }) => s.name)).toEqual(
      expect.arrayContaining(["alpine-secdb-v3.20-main.json", "nvdcve-2.0-2024.json.gz"]),
    );
    expect(info.counts.enrichments).toBeGreaterThan(0);
    const before = await readFile(dbFile);

    failing = true;
    const failed = await portcullis(["db", "update", "--mirror", mirror]);
    failing = false;
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/osv:Go: .*HTTP 500.*the current DB is kept/);
    expect(await readFile(dbFile)).toEqual(before);
  });
});
