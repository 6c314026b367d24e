import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downloadFeeds } from "../../../lib/vulndb/update/download-feeds.js";

/** A real-format feed: OSV records one per line, gzipped, as the exports are published. */
const FEED = gzipSync(
  `${JSON.stringify({ id: "GO-2020-0001", modified: "2024-01-01T00:00:00Z", affected: [] })}\n${JSON.stringify({ id: "GO-2020-0002", modified: "2024-01-01T00:00:00Z", affected: [] })}\n`,
);

let server: Server;
let base: string;
let dir: string;
let flaky = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "feeds-"));
  server = createServer((req, res) => {
    switch (req.url) {
      case "/ok/go.jsonl.gz":
        res.writeHead(200, { "content-length": FEED.length });
        res.end(FEED);
        return;
      case "/flaky/go.jsonl.gz":
        flaky += 1;
        if (flaky < 2) {
          res.writeHead(503, { "retry-after": "0" });
          res.end();
          return;
        }
        res.writeHead(200, { "content-length": FEED.length });
        res.end(FEED);
        return;
      case "/truncated/go.jsonl.gz":
        res.writeHead(200, { "content-length": FEED.length });
        res.write(FEED.subarray(0, 10));
        res.destroy();
        return;
      default:
        res.writeHead(404);
        res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

const fast = { retry: { baseDelayMs: 1, maxDelayMs: 5 } };

describe("downloadFeeds", () => {
  it("falls through mirrors that 404 or truncate, and writes only complete files", async () => {
    const [result] = await downloadFeeds(
      [
        {
          name: "go",
          file: "go.jsonl.gz",
          urls: [`${base}/missing/go.jsonl.gz`, `${base}/truncated/go.jsonl.gz`, `${base}/ok/go.jsonl.gz`],
        },
      ],
      dir,
      fast,
    );
    expect(result).toMatchObject({ name: "go", url: `${base}/ok/go.jsonl.gz`, bytes: FEED.length });
    expect(await readFile(join(dir, "go.jsonl.gz"))).toEqual(FEED);
    expect((await readdir(dir)).filter((f) => f.endsWith(".partial"))).toEqual([]);
  });

  it("retries 503 with Retry-After", async () => {
    const [result] = await downloadFeeds(
      [{ name: "go", file: "flaky.gz", urls: [`${base}/flaky/go.jsonl.gz`] }],
      dir,
      fast,
    );
    expect(result?.error).toBeUndefined();
    expect(flaky).toBe(2);
  });

  it("reports a feed whose every mirror fails, without throwing or leaving a file", async () => {
    const [result] = await downloadFeeds(
      [{ name: "go", file: "broken.gz", urls: [`${base}/truncated/go.jsonl.gz`, `${base}/missing/x`] }],
      dir,
      fast,
    );
    expect(result?.error).toMatch(/truncated|terminated|HTTP 404/);
    expect(await readdir(dir)).not.toContain("broken.gz");
  });

  it("refuses a file larger than the feed's cap", async () => {
    const [result] = await downloadFeeds(
      [{ name: "go", file: "capped.gz", urls: [`${base}/ok/go.jsonl.gz`], maxBytes: 10 }],
      dir,
      fast,
    );
    expect(result?.error).toMatch(/larger than 10 bytes/);
  });
});
