import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeVersionInBuffer, nodeVersionInFile } from "../../../lib/analyzers/npm/node-binary-version.js";
import { npmAnalyzer } from "../../../lib/analyzers/npm/npm-analyzer.js";
import { parseNodeVersionHeader } from "../../../lib/analyzers/npm/parse-node-version-header.js";
import { junkBytes, readFixture } from "../fixtures.js";

const HEADER = readFixture("npm", "runtime", "node_version.h");
const node = (version: string) => ({ packages: [{ ecosystem: "node", name: "node", version }] });

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "portcullis-node-"));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("Node.js from node_version.h", () => {
  it("reads NodeSource's real header", () => {
    expect(npmAnalyzer.analyze({ path: "usr/include/node/node_version.h", bytes: HEADER })).toEqual(
      node("20.20.2"),
    );
  });

  it("tags a pre-release build's header -pre, as process.version does", () => {
    const pre = HEADER.toString("utf8").replace(
      "#define NODE_VERSION_IS_RELEASE 1",
      "#define NODE_VERSION_IS_RELEASE 0",
    );
    expect(parseNodeVersionHeader(pre)).toBe("20.20.2-pre");
  });

  it("warns when the defines are missing, and survives junk", () => {
    const result = npmAnalyzer.analyze({
      path: "usr/local/include/node/node_version.h",
      bytes: Buffer.from("x"),
    });
    expect(result).toEqual({
      packages: [],
      warnings: ["no NODE_*_VERSION defines; Node.js version unknown"],
    });
    expect(parseNodeVersionHeader(junkBytes(256 * 1024, 3))).toBeUndefined();
    expect(parseNodeVersionHeader(HEADER.toString("utf8").replace(/\n/g, "\r\n"))).toBe("20.20.2");
  });

  it.each([
    "usr/local/include/node/node_version.h",
    "usr/include/node/node_version.h",
    "opt/node-v18.19.0-linux-x64/include/node/node_version.h",
  ])("wants %s", (path) => {
    expect(npmAnalyzer.required(path, 4000, 0o644)).toBe(true);
  });

  it.each([
    "root/.cache/node-gyp/18.19.0/include/node/node_version.h",
    "usr/local/include/node/node.h",
    "opt/include/node/node_version.h",
    "opt/a/b/include/node/node_version.h",
    "app/node_modules/nan/include/node/node_version.h",
  ])("ignores %s", (path) => {
    expect(npmAnalyzer.required(path, 4000, 0o644)).toBe(false);
  });
});

describe("Node.js from the node binary", () => {
  it("reads the version of the node running these tests from its real binary", async () => {
    const { size } = await stat(process.execPath);
    const result = await npmAnalyzer.analyzeFile?.({
      path: "usr/local/bin/node",
      file: process.execPath,
      size,
    });
    expect(result).toEqual(node(process.version.slice(1)));
  });

  it("finds the marker across a chunk boundary and prefers it to the release URL", async () => {
    const file = join(work, "boundary");
    const bytes = Buffer.alloc(4 * 1024 * 1024 + 4096, 0x41);
    const url = Buffer.from("https://nodejs.org/download/release/v18.19.0/node-v18.19.0.tar.gz\0");
    url.copy(bytes, 1000);
    const marker = Buffer.from("\0node.js/v18.19.1\0");
    marker.copy(bytes, 4 * 1024 * 1024 - 8);
    await writeFile(file, bytes);
    expect(await nodeVersionInFile(file)).toBe("18.19.1");
    expect(nodeVersionInBuffer(bytes)).toBe("18.19.1");
  });

  it("falls back to the official release URL", async () => {
    const bytes = Buffer.concat([
      junkBytes(100_000, 5),
      Buffer.from("\0https://nodejs.org/download/release/v21.0.0-rc.1/node-v21.0.0-rc.1-headers.tar.gz\0"),
      junkBytes(100_000, 6),
    ]);
    expect(nodeVersionInBuffer(bytes)).toBe("21.0.0-rc.1");
  });

  it("rejects markers not followed by a well-formed, terminated version", () => {
    expect(
      nodeVersionInBuffer(Buffer.from("node.js/v18\0 node.js/v1.2.3.4\0 node.js/vx.y.z\0 node.js/v1.2.3")),
    ).toBe(undefined);
    const many = Buffer.from("node.js/v".repeat(200_000));
    expect(nodeVersionInBuffer(many)).toBeUndefined();
  });

  it("warns when a small binary has no marker (analysed from its buffered bytes)", () => {
    const result = npmAnalyzer.analyze({ path: "usr/bin/node", bytes: junkBytes(1024 * 1024, 9) });
    expect(result).toEqual({
      packages: [],
      warnings: ["no Node.js version string in the binary; Node.js version unknown"],
    });
  });

  it.each([
    "usr/local/bin/node",
    "usr/bin/node",
    "usr/bin/nodejs",
    "opt/node-v20/bin/node",
    "nodejs/bin/node",
  ])("wants an executable %s", (path) => {
    expect(npmAnalyzer.required(path, 90_000_000, 0o755)).toBe(true);
    expect(npmAnalyzer.required(path, 90_000_000, undefined)).toBe(true);
  });

  it.each([
    ["usr/local/bin/node", 0, 0o755],
    ["usr/local/bin/node", 90_000_000, 0o644],
    ["usr/local/bin/nodemon", 1000, 0o755],
    ["usr/lib/node", 90_000_000, 0o755],
    ["opt/a/b/bin/node", 90_000_000, 0o755],
    ["opt/bin/node", 90_000_000, 0o755],
    ["app/node_modules/.bin/node", 1000, 0o755],
  ] as const)("ignores %s (size %d, mode %o)", (path, size, mode) => {
    expect(npmAnalyzer.required(path, size, mode)).toBe(false);
  });

  it("spills binaries; a spilled manifest is read unless absurdly large", async () => {
    expect(npmAnalyzer.spillAbove).toBeLessThan(npmAnalyzer.maxFileSize);
    const file = join(work, "package.json");
    await writeFile(
      file,
      JSON.stringify({ name: "x", version: "1.0.0", description: "y".repeat(5_000_000) }),
    );
    const spilled = await npmAnalyzer.analyzeFile?.({
      path: "node_modules/x/package.json",
      file,
      size: 5_000_050,
    });
    expect(spilled).toEqual({ packages: [{ ecosystem: "npm", name: "x", version: "1.0.0" }] });
    const result = await npmAnalyzer.analyzeFile?.({
      path: "app/node_modules/x/package.json",
      file: join(work, "absent"),
      size: 64 * 1024 * 1024,
    });
    expect(result?.packages).toEqual([]);
    expect(result?.warnings?.[0]).toMatch(/too large/);
  });
});
