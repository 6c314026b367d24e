import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { postWebhook } from "../../lib/local/webhook.js";
import type { Logger } from "../../lib/logger.js";

let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A webhook receiver answering with the given statuses in turn; it records the bodies. */
async function receiver(statuses: number[]): Promise<{ url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString("utf8");
    });
    req.on("end", () => {
      bodies.push(JSON.parse(body));
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", () => resolve()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies };
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { debug() {}, info() {}, warn: (m) => warnings.push(m), error() {}, warnings };
}

describe("postWebhook", () => {
  it("POSTs the JSON once when the receiver answers 2xx", async () => {
    const hook = await receiver([204]);
    const logger = recordingLogger();
    expect(await postWebhook(hook.url, { image: "a" }, logger, { retryDelayMs: 1 })).toBe(true);
    expect(hook.bodies).toEqual([{ image: "a" }]);
    expect(logger.warnings).toEqual([]);
  });

  it("retries once after a failure", async () => {
    const hook = await receiver([503, 200]);
    expect(await postWebhook(hook.url, { n: 1 }, recordingLogger(), { retryDelayMs: 1 })).toBe(true);
    expect(hook.bodies).toHaveLength(2);
  });

  it("gives up after the retry and logs, without throwing", async () => {
    const hook = await receiver([500, 500, 500]);
    const logger = recordingLogger();
    expect(await postWebhook(hook.url, {}, logger, { retryDelayMs: 1 })).toBe(false);
    expect(hook.bodies).toHaveLength(2);
    expect(logger.warnings).toEqual(["webhook delivery failed"]);
  });

  it("times out a receiver that never answers", async () => {
    server = createServer(() => {});
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", () => resolve()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const logger = recordingLogger();
    const started = Date.now();
    expect(await postWebhook(url, {}, logger, { timeoutMs: 100, retryDelayMs: 1 })).toBe(false);
    expect(Date.now() - started).toBeLessThan(5000);
    server.closeAllConnections();
  });
});
