import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openLocalStore } from "../../lib/local/local-store.js";
import { buildFromSources } from "../../lib/vulndb/build-from-sources.js";
import { openDatabaseFile } from "../../lib/vulndb/db/db-reader.js";
import { pkg, storeScan } from "../rescan/store-scan.js";

/** `portcullis watch --once` as cron runs it: the compiled CLI in a child process. */
const root = fileURLToPath(new URL("../..", import.meta.url));
const cli = join(root, "dist/cli/main.js");
const fixtures = fileURLToPath(new URL("../fixtures/rescan/", import.meta.url));
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "portcullis-watch-cli-"));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [cli, ...args], {
      env: { ...process.env, NO_COLOR: "1", PORTCULLIS_DEBUG: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (d: Buffer) => {
      stdout += d.toString("utf8");
    });
    proc.stderr.on("data", (d: Buffer) => {
      stderr += d.toString("utf8");
    });
    proc.once("error", reject);
    proc.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Our lines only: the AWS SDK adds a Node version warning of its own on Node 20. */
function ours(stderr: string): string[] {
  return stderr.split("\n").filter((line) => line.startsWith("portcullis"));
}

describe("portcullis watch", () => {
  it("exits 2 with one line when a --source does not exist", async () => {
    const missing = join(work, "no-such-feeds");
    const result = await run(["watch", "--once", "--source", missing, "--data-dir", join(work, "unused")]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(`portcullis: --source ${missing} does not exist\n`);
  });

  it("exits 2 on a --webhook that is not an http(s) URL", async () => {
    const result = await run(["watch", "--once", "--source", fixtures, "--webhook", "ftp://x"]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("--once builds the DB in the data dir, reports on stderr and exits 0; a second run builds nothing", async () => {
    const feeds = join(work, "feeds");
    await mkdir(feeds);
    await copyFile(join(fixtures, "lodash-ghsa.json"), join(feeds, "lodash-ghsa.json"));
    const data = join(work, "data");
    const args = ["watch", "--once", "--source", feeds, "--data-dir", data, "--format", "json"];
    const first = await run(args);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe("");
    expect(ours(first.stderr)).toEqual([
      `portcullis watch: built ${join(data, "watch", "portcullis.db")} (1 added, 0 modified, 0 removed advisories); 0 images re-matched, 0 changed`,
    ]);
    const second = await run(args);
    expect(second.code).toBe(0);
    expect(ours(second.stderr)).toEqual([
      "portcullis watch: sources unchanged; 0 images re-matched, 0 changed",
    ]);
  });

  it("prints one line per changed image of the data dir serve left behind", async () => {
    const feeds = join(work, "feeds-change");
    await mkdir(feeds);
    await copyFile(join(fixtures, "lodash-ghsa.json"), join(feeds, "lodash-ghsa.json"));
    const data = join(work, "data-change");
    // A stored scan in serve's store, written while nothing else holds the data dir.
    const local = await openLocalStore(data);
    const seed = join(work, "seed.db");
    await buildFromSources([{ path: feeds }], seed);
    const db = await openDatabaseFile(seed);
    try {
      await storeScan(
        { store: local.store, blobs: local.blobs, db },
        {
          v: 1,
          provider: "registry",
          account: "local",
          region: "local",
          repository: "team/api",
          digest: `sha256:${"a".repeat(64)}`,
          registry: "127.0.0.1:5000",
          reason: "push",
          eventTime: "2026-01-15T00:00:00.000Z",
        },
        {
          os: { family: "debian", release: "12", versionId: "12" },
          packages: [pkg("deb", "openssl", "3.0.11-1~deb12u1", "openssl")],
        },
        new Date("2026-01-15T00:00:00Z"),
      );
    } finally {
      await db.close();
      await local.stop();
    }
    const args = ["watch", "--once", "--source", feeds, "--data-dir", data];
    const baseline = await run(args);
    expect(baseline.code).toBe(0);
    expect(baseline.stdout).toBe("");
    await copyFile(join(fixtures, "openssl-v2.json"), join(feeds, "openssl-v2.json"));
    const changed = await run(args);
    expect(changed.code).toBe(0);
    expect(changed.stdout).toBe(
      `team/api@sha256:${"a".repeat(12)}: 1 new (UNKNOWN 1: CVE-2099-0002 openssl), 0 resolved\n`,
    );
    expect(ours(changed.stderr)).toEqual([
      expect.stringMatching(/\(1 added, 0 modified, 0 removed advisories\); 1 images re-matched, 1 changed$/),
    ]);
  });
});
