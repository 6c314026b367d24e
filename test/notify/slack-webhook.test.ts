import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { afterEach, describe, expect, it } from "vitest";
import type { Logger } from "../../lib/logger.js";
import { buildChangeMessage, type SlackMessage } from "../../lib/notify/slack/block-kit.js";
import { type DeadLetter, SlackWebhookPoster } from "../../lib/notify/slack/slack-webhook.js";
import { changeOf } from "./changes.js";
import { finding } from "./findings.js";

const TOKEN = "T0000/B0000/XXXXsecretXXXX";
const SECRET_ID = "portcullis/slack/platform";
const message = buildChangeMessage(changeOf([finding("CVE-2024-0001", "CRITICAL")]));

type Reply = (res: ServerResponse) => void;
interface Hit {
  at: number;
  realAt: number;
  body: string;
  path: string;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A loopback Slack: answers with `replies` in turn (the last one forever) and records each request. */
async function fakeSlack(replies: Reply[], clock: () => number = Date.now) {
  const hits: Hit[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      hits.push({ at: clock(), realAt: performance.now(), body, path: req.url ?? "" });
      const reply = replies[Math.min(hits.length - 1, replies.length - 1)] as Reply;
      reply(res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { hits, url: `http://127.0.0.1:${port}/services/${TOKEN}` };
}

const ok: Reply = (res) => res.writeHead(200, { "content-type": "text/plain" }).end("ok");
const tooMany =
  (after: string): Reply =>
  (res) =>
    res.writeHead(429, { "retry-after": after }).end("rate_limited");
const status =
  (code: number, text: string): Reply =>
  (res) =>
    res.writeHead(code).end(text);

/** Virtual time: sleeping advances the clock at once, so waits are exact and the test is instant. */
function fakeClock(start = 1_000_000) {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
  };
}

function recorder() {
  const lines: unknown[] = [];
  const log = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    lines.push({ level, msg, fields });
  const logger: Logger = { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
  return { lines, logger };
}

function poster(url: string, extra: Partial<ConstructorParameters<typeof SlackWebhookPoster>[0]> = {}) {
  const letters: DeadLetter[] = [];
  const resolved: string[] = [];
  const p = new SlackWebhookPoster({
    resolveWebhookUrl: async (id) => {
      resolved.push(id);
      return url;
    },
    deadLetter: async (letter) => {
      letters.push(letter);
    },
    random: () => 0.5,
    ...extra,
  });
  return { poster: p, letters, resolved };
}

describe("Slack webhook poster", () => {
  it("waits Retry-After on 429, then keeps 1 message per second (virtual clock)", async () => {
    const clock = fakeClock();
    const slack = await fakeSlack([tooMany("1"), ok], clock.now);
    const { poster: p, letters, resolved } = poster(slack.url, { now: clock.now, sleep: clock.sleep });
    const outcomes = await Promise.all([
      p.post(SECRET_ID, message),
      p.post(SECRET_ID, message),
      p.post(SECRET_ID, message),
    ]);
    expect(outcomes).toEqual([
      { status: "sent", attempts: 2 },
      { status: "sent", attempts: 1 },
      { status: "sent", attempts: 1 },
    ]);
    expect(letters).toEqual([]);
    expect(resolved).toEqual([SECRET_ID, SECRET_ID, SECRET_ID]);
    const times = slack.hits.map((h) => h.at - 1_000_000);
    expect(times).toEqual([0, 1000, 2000, 3000]);
    expect(JSON.parse(slack.hits[0]?.body ?? "")).toEqual(message);
    expect(slack.hits[0]?.path).toBe(`/services/${TOKEN}`);
  });

  it("honours a longer Retry-After for the messages queued behind it", async () => {
    const clock = fakeClock();
    const slack = await fakeSlack([tooMany("5"), ok], clock.now);
    const { poster: p } = poster(slack.url, { now: clock.now, sleep: clock.sleep });
    await Promise.all([p.post(SECRET_ID, message), p.post(SECRET_ID, message)]);
    expect(slack.hits.map((h) => h.at - 1_000_000)).toEqual([0, 5000, 6000]);
  });

  it("really waits on a 429 with Retry-After: 1 (real clock, lower bounds only)", async () => {
    const slack = await fakeSlack([tooMany("1"), ok]);
    const { poster: p } = poster(slack.url);
    const started = performance.now();
    expect(await p.post(SECRET_ID, message)).toEqual({ status: "sent", attempts: 2 });
    await p.post(SECRET_ID, message);
    const [first, second, third] = slack.hits.map((h) => h.realAt) as [number, number, number];
    // Timers may fire a millisecond early; nothing makes them fire a second early.
    expect(second - first).toBeGreaterThanOrEqual(990);
    expect(third - second).toBeGreaterThanOrEqual(990);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1980);
  });

  it("dead-letters the payload after bounded retries of a 500", async () => {
    const clock = fakeClock();
    const slack = await fakeSlack([status(500, "internal_error")], clock.now);
    const { lines, logger } = recorder();
    const { poster: p, letters } = poster(slack.url, {
      now: clock.now,
      sleep: clock.sleep,
      logger,
      maxAttempts: 4,
    });
    const outcome = await p.post(SECRET_ID, message);
    expect(outcome).toMatchObject({ status: "dead-lettered", attempts: 4 });
    expect(slack.hits).toHaveLength(4);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ webhookSecret: SECRET_ID, message, attempts: 4 });
    expect(letters[0]?.reason).toBe("HTTP 500 internal_error after 4 attempts");
    // Backoff doubles (1 s, 2 s, 4 s with jitter at its middle), never below the 1 s spacing.
    const gaps = slack.hits.slice(1).map((h, i) => h.at - (slack.hits[i] as Hit).at);
    expect(gaps).toEqual([1000, 1500, 3000]);
    expect(lines.filter((l) => (l as { level: string }).level === "warn")).toHaveLength(3);
  });

  it("dead-letters a final 4xx at once", async () => {
    const clock = fakeClock();
    const slack = await fakeSlack([status(404, "no_service")], clock.now);
    const { poster: p, letters } = poster(slack.url, { now: clock.now, sleep: clock.sleep });
    expect(await p.post(SECRET_ID, message)).toEqual({
      status: "dead-lettered",
      attempts: 1,
      reason: "HTTP 404 no_service",
    });
    expect(letters[0]?.message).toEqual(message);
  });

  it("dead-letters instead of waiting past maxDelayMs", async () => {
    const clock = fakeClock();
    const slack = await fakeSlack([tooMany("3600"), ok], clock.now);
    const { poster: p, letters } = poster(slack.url, { now: clock.now, sleep: clock.sleep });
    expect(await p.post(SECRET_ID, message)).toMatchObject({ status: "dead-lettered", attempts: 1 });
    expect(letters[0]?.reason).toBe("HTTP 429 rate_limited; asked to wait 3600 s");
    expect(slack.hits).toHaveLength(1);
  });

  it("retries network errors, then dead-letters without ever showing the URL", async () => {
    const slack = await fakeSlack([ok]);
    const server = servers.pop() as Server;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    const clock = fakeClock();
    const { lines, logger } = recorder();
    const { poster: p, letters } = poster(slack.url, {
      now: clock.now,
      sleep: clock.sleep,
      logger,
      maxAttempts: 3,
    });
    const outcome = await p.post(SECRET_ID, message);
    expect(outcome).toMatchObject({ status: "dead-lettered", attempts: 3 });
    expect(letters[0]?.reason).toMatch(/fetch failed.*after 3 attempts/);
    const seen = JSON.stringify({ lines, letters, outcome });
    expect(seen).not.toContain(TOKEN);
    expect(seen).not.toContain("/services/");
    expect(seen).toContain(SECRET_ID);
  });

  it("never sends a message that breaks Block Kit limits", async () => {
    const slack = await fakeSlack([ok]);
    const { poster: p, letters } = poster(slack.url);
    const bad: SlackMessage = {
      text: "x",
      blocks: Array.from({ length: 51 }, () => ({ type: "divider" as const })),
    };
    expect(await p.post(SECRET_ID, bad)).toMatchObject({ status: "dead-lettered", attempts: 0 });
    expect(letters[0]?.reason).toBe("invalid message: more than 50 blocks");
    expect(slack.hits).toEqual([]);
  });

  it("dead-letters when the secret cannot be read, without quoting it", async () => {
    const { poster: p, letters } = poster("not a url with secret-value");
    expect(await p.post(SECRET_ID, message)).toMatchObject({ status: "dead-lettered", attempts: 0 });
    expect(letters[0]?.reason).toBe("webhook URL unavailable (TypeError)");
  });

  it("throws when the dead letter itself fails: never dropped silently", async () => {
    const clock = fakeClock();
    const slack = await fakeSlack([status(500, "x")], clock.now);
    const p = new SlackWebhookPoster({
      resolveWebhookUrl: async () => slack.url,
      deadLetter: async () => {
        throw new Error("queue down");
      },
      now: clock.now,
      sleep: clock.sleep,
      maxAttempts: 1,
    });
    await expect(p.post(SECRET_ID, message)).rejects.toThrow("queue down");
    // The lane survives the failure: the next message still goes out.
    await expect(p.post(SECRET_ID, message)).rejects.toThrow("queue down");
    expect(slack.hits).toHaveLength(2);
  });
});
