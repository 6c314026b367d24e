import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BufferRandomAccess } from "../../../lib/analyzers/random-access.js";
import { openDatabase } from "../../../lib/vulndb/db/db-reader.js";
import { VulnDbError } from "../../../lib/vulndb/db/errors.js";
import { HttpRangeSource } from "../../../lib/vulndb/db/range-source.js";
import { buildFixtureDb, withTempDir } from "./fixtures.js";

let bytes: Buffer;
let server: Server;
let base: string;
const requests: string[] = [];
let etag = '"v1"';

/** A loopback server that honours single ranges (`/db`) or ignores them (`/no-range`). */
beforeAll(async () => {
  bytes = await withTempDir(async (dir) => {
    await buildFixtureDb(join(dir, "vuln.db"));
    return readFile(join(dir, "vuln.db"));
  });
  server = createServer((req, res) => {
    requests.push(`${req.url} ${req.headers.range ?? ""}`);
    if (req.url === "/no-range") {
      res.writeHead(200, { "content-length": bytes.length });
      res.end(bytes);
      return;
    }
    if (req.url !== "/db?X-Amz-Signature=secret") {
      res.writeHead(404).end();
      return;
    }
    const match = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "");
    if (!match) {
      res.writeHead(200, { "content-length": bytes.length, etag }).end(bytes);
      return;
    }
    const start = Number(match[1]);
    const end = Math.min(Number(match[2]), bytes.length - 1);
    if (start >= bytes.length) {
      res.writeHead(416, { "content-range": `bytes */${bytes.length}` }).end();
      return;
    }
    res.writeHead(206, { "content-range": `bytes ${start}-${end}/${bytes.length}`, etag });
    res.end(bytes.subarray(start, end + 1));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe("HttpRangeSource", () => {
  it("gives the same answers as the file, reading a small fraction of it", async () => {
    etag = '"v1"';
    const local = await openDatabase(new BufferRandomAccess(bytes));
    requests.length = 0;
    const source = await HttpRangeSource.open(`${base}/db?X-Amz-Signature=secret`);
    expect(source.size).toBe(bytes.length);
    const remote = await openDatabase(source);
    expect(remote.metadata).toEqual(local.metadata);
    // The header came with the request that learned the size: open costs two requests.
    expect(requests).toHaveLength(2);

    const one = await remote.advisoriesFor("Go", "github.com/gin-gonic/gin");
    expect(one.map((a) => a.id)).toEqual(
      (await local.advisoriesFor("Go", "github.com/gin-gonic/gin")).map((a) => a.id),
    );
    expect(one.length).toBeGreaterThan(0);
    expect(remote.bytesRead).toBeLessThan(bytes.length / 4);

    for (const [ecosystem, name] of [
      ["PyPI", "Pillow"],
      ["crates.io", "openssl"],
      ["Debian:12", "openssl"],
      ["npm", "absent"],
    ] as const) {
      expect(await remote.advisoriesFor(ecosystem, name)).toEqual(await local.advisoriesFor(ecosystem, name));
    }
    expect(await remote.aliasesOf("CVE-2024-0001")).toEqual(await local.aliasesOf("CVE-2024-0001"));
    expect(await remote.enrichment("CVE-2024-0001")).toEqual(await local.enrichment("CVE-2024-0001"));
    expect(await remote.advisory("GO-2020-0001")).toEqual(await local.advisory("GO-2020-0001"));
  });

  it("refuses a server that ignores Range instead of downloading the whole file", async () => {
    const error = await HttpRangeSource.open(`${base}/no-range`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VulnDbError);
    expect((error as Error).message).toMatch(/ignored the Range header/);
  });

  it("reports HTTP errors without leaking the presigned query string", async () => {
    const error = await HttpRangeSource.open(`${base}/missing?X-Amz-Signature=secret`).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(VulnDbError);
    expect((error as Error).message).toMatch(/HTTP 404/);
    expect((error as Error).message).not.toMatch(/secret/);
  });

  it("fails lookups, not the process, when the object changes under an open DB", async () => {
    etag = '"v1"';
    const remote = await openDatabase(await HttpRangeSource.open(`${base}/db?X-Amz-Signature=secret`));
    etag = '"v2"';
    await expect(remote.advisoriesFor("PyPI", "pillow")).rejects.toThrow(/changed while it was open/);
    etag = '"v1"';
  });

  it("fails at open when the server cannot be reached", async () => {
    await expect(HttpRangeSource.open("http://127.0.0.1:1/db")).rejects.toBeInstanceOf(VulnDbError);
  });
});
