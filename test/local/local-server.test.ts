import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ImageRecord } from "../../lib/aws/dynamo-findings-store.js";
import { imagePk, SCAN_PREFIX } from "../../lib/aws/table-design.js";
import { type LocalServer, type ScanNotification, startLocalServer } from "../../lib/local/local-server.js";
import { writeOciLayout } from "../helpers/oci-builder.js";
import { alpineSample } from "../helpers/sample-images.js";
import { skopeoCopy } from "../helpers/skopeo.js";

const CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

let dataDir: string;
let layout: string;
let server: LocalServer;
let expectedPackages: number;
const lines: string[] = [];
const hooked: ScanNotification[] = [];
let hookServer: Server;
let webhook: string;

async function getImages(url: string): Promise<ImageRecord[]> {
  const res = await fetch(`${url}/images`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { images: ImageRecord[] }).images;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const start = () =>
  startLocalServer({
    dataDir,
    startRegistry: true,
    print: (line) => lines.push(line),
    concurrency: 2,
    webhook,
  });

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "portcullis-serve-"));
  hookServer = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString("utf8");
    });
    req.on("end", () => {
      hooked.push(JSON.parse(body) as ScanNotification);
      res.end();
    });
  });
  await new Promise<void>((resolve) => hookServer.listen(0, "127.0.0.1", () => resolve()));
  webhook = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hook`;
  layout = join(dataDir, "layout");
  const sample = await alpineSample();
  expectedPackages = sample.expectedPackages.length;
  await writeOciLayout(layout, { layers: sample.layers, tag: "3.18" });
  server = await start();
});

afterAll(async () => {
  await server?.stop();
  await new Promise<void>((resolve) => hookServer?.close(() => resolve()));
  await rm(dataDir, { recursive: true, force: true });
});

describe("startLocalServer", () => {
  it("answers /healthz and rejects malformed notifications and scan requests with 400", async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const bad = await fetch(`${server.url}/registry/events`, { method: "POST", body: "{not json" });
    expect(bad.status).toBe(400);
    const wrong = await fetch(`${server.url}/registry/events`, {
      method: "POST",
      body: JSON.stringify({ events: "nope" }),
    });
    expect(wrong.status).toBe(400);
    const scan = await fetch(`${server.url}/scans`, {
      method: "POST",
      body: JSON.stringify({ image: "NOT A REF" }),
    });
    expect(scan.status).toBe(400);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it("scans an image pushed to the started registry and stores it in dynalite and s3rver", async () => {
    const registry = server.registry?.host as string;
    await skopeoCopy(`oci:${layout}:3.18`, `docker://${registry}/library/alpine:3.18`);
    const image = await waitFor("the scan", async () =>
      (await getImages(server.url)).find((i) => i.repository === "library/alpine" && i.latestScan),
    );
    expect(image.registry).toBe(registry);
    expect(image.tags).toContain("3.18");
    expect(image.latestScan?.packages).toBe(expectedPackages);

    const s3 = new S3Client({
      endpoint: server.s3Endpoint,
      region: "us-east-1",
      credentials: CREDENTIALS,
      forcePathStyle: true,
    });
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: server.bucket, Key: image.latestScan?.reportKey }),
    );
    expect(head.ContentLength).toBeGreaterThan(100);
    s3.destroy();
    // The line is printed once the worker returns, a few writes after the image appears in the store.
    await waitFor("the scan line", async () =>
      lines.some((l) => l.startsWith("scanned: ") && l.includes(`${expectedPackages} packages`))
        ? true
        : undefined,
    );
  });

  it("scans the same push twice only once", async () => {
    const registry = server.registry?.host as string;
    await skopeoCopy(`oci:${layout}:3.18`, `docker://${registry}/library/alpine:3.18`);
    await waitFor("the second notification", async () =>
      lines.some((l) => l.startsWith("duplicate: ")) ? true : undefined,
    );
    const [image] = (await getImages(server.url)).filter((i) => i.repository === "library/alpine");
    const dynamo = new DynamoDBClient({
      endpoint: server.dynamoEndpoint,
      region: "us-east-1",
      credentials: CREDENTIALS,
    });
    const scans = await DynamoDBDocumentClient.from(dynamo).send(
      new QueryCommand({
        TableName: server.tableName,
        KeyConditionExpression: "PK = :pk AND begins_with(SK, :scan)",
        ExpressionAttributeValues: { ":pk": imagePk(image?.imageKey as string), ":scan": SCAN_PREFIX },
      }),
    );
    dynamo.destroy();
    expect(scans.Items).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith("scanned: "))).toHaveLength(1);
  });

  it("answers an on-demand scan by tag, resolved to the same image", async () => {
    const registry = server.registry?.host as string;
    const before = lines.length;
    const res = await fetch(`${server.url}/scans`, {
      method: "POST",
      body: JSON.stringify({ image: `${registry}/library/alpine:3.18` }),
    });
    expect(res.status).toBe(202);
    await waitFor("the on-demand outcome", async () => (lines.length > before ? true : undefined));
    expect(lines.at(-1)).toMatch(/^duplicate: /);
  });

  it("keeps images and scans across a restart", async () => {
    await server.stop();
    server = await start();
    const images = await getImages(server.url);
    const image = images.find((i) => i.repository === "library/alpine");
    expect(image?.latestScan?.packages).toBe(expectedPackages);
  });
});
