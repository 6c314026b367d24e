import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync, gzipSync } from "node:zlib";
import {
  ALPINE_SECDB_RELEASES,
  ALPINE_SECDB_REPOSITORIES,
  nvdYears,
} from "../../lib/vulndb/update/default-feeds.js";
import { buildZip } from "./zip-builder.js";

/** How the mirror answers one path. */
export type Serve =
  | { kind: "ok"; body: Buffer }
  | { kind: "error"; status: number }
  /** Announces the whole length, sends the first `bytes`, then drops the connection. */
  | { kind: "truncate"; body: Buffer; bytes: number };

/**
 * A feed mirror on loopback, laid out as `withMirrors` expects (`osv/<ecosystem>/all.zip`,
 * `debian-tracker.json`, ...). Each path's answer can be swapped between requests.
 */
export interface FeedMirror {
  base: string;
  set(path: string, serve: Serve): void;
  requests: string[];
  close(): Promise<void>;
}

export async function startFeedMirror(initial: Record<string, Serve> = {}): Promise<FeedMirror> {
  const routes = new Map(Object.entries(initial));
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? "/").split("?")[0] as string);
    requests.push(path);
    const serve = routes.get(path);
    if (!serve) {
      res.writeHead(404).end();
      return;
    }
    if (serve.kind === "error") {
      res.writeHead(serve.status).end();
      return;
    }
    res.writeHead(200, { "content-length": serve.body.length });
    if (serve.kind === "ok") {
      res.end(serve.body);
      return;
    }
    res.write(serve.body.subarray(0, serve.bytes), () => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set: (path, serve) => routes.set(path, serve),
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** OSV records from a fixture export (`*.jsonl.gz`, one record a line). */
export function readOsvLines(path: string | URL): Array<Record<string, unknown>> {
  return gunzipSync(readFileSync(path))
    .toString("utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** An OSV `all.zip` as osv.dev publishes it: one `<id>.json` per advisory. */
export function osvExportZip(records: ReadonlyArray<Record<string, unknown>>): Buffer {
  return buildZip(
    records.map((record) => ({ name: `${String(record.id)}.json`, data: JSON.stringify(record) })),
  );
}

/**
 * Alpine secdb and NVD files for every path `defaultFeeds` asks a mirror for: real-format
 * documents with nothing in them, except the ones given in `real` (path → file contents).
 */
export function secdbAndNvdFiles(real: Record<string, Buffer> = {}): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  for (const release of ALPINE_SECDB_RELEASES) {
    for (const repository of ALPINE_SECDB_REPOSITORIES) {
      files[`/secdb/${release}/${repository}.json`] = Buffer.from(
        JSON.stringify({
          distroversion: release,
          reponame: repository,
          urlprefix: "https://dl-cdn.alpinelinux.org/alpine",
          apkurl: "{{urlprefix}}/{{distroversion}}/{{reponame}}/{{arch}}/{{pkg.name}}-{{pkg.ver}}.apk",
          archs: ["x86_64"],
          packages: [],
        }),
      );
    }
  }
  for (const year of nvdYears()) {
    files[`/nvd/nvdcve-2.0-${year}.json.gz`] = gzipSync(
      JSON.stringify({
        resultsPerPage: 0,
        startIndex: 0,
        totalResults: 0,
        format: "NVD_CVE",
        version: "2.0",
        timestamp: "2025-01-10T00:00:00.000",
        vulnerabilities: [],
      }),
    );
  }
  return { ...files, ...real };
}
