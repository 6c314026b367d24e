import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHandler, type FunctionUrlRequest } from "../../functions/gar-intake.js";
import { createPushTokenVerifier } from "../../lib/gcp/push-token-verifier.js";
import type { Logger } from "../../lib/logger.js";
import type { ScanJob } from "../../lib/stores/scan-job.js";
import {
  googleClaims,
  type JwksServer,
  startJwksServer,
  TEST_AUDIENCE,
  TEST_SERVICE_ACCOUNT,
} from "../helpers/google-oidc.js";

const fixtureText = (name: string): string =>
  readFileSync(new URL(`../fixtures/events/${name}`, import.meta.url), "utf8");
const DIGEST = "sha256:6ec128e26cd5d1fe71a5f8d4bfc4b50c5b3a6e2a0c2d8e9f4b1a7c3d5e6f7a8b";
const KEY = `gar#my-project#us-east1#my-repo/hello-world@${DIGEST}`;

let jwks: JwksServer;
let token: string;
beforeAll(async () => {
  jwks = await startJwksServer();
  token = await jwks.sign(googleClaims());
});
afterAll(() => jwks.close());

/** The documented function URL request with our headers and body in place of the sample's. */
function request(
  body: string,
  headers: Record<string, string>,
  extra: { method?: string; isBase64Encoded?: boolean } = {},
): FunctionUrlRequest {
  const event = JSON.parse(fixtureText("function-url-request.json"));
  event.headers = { "content-type": "application/json", "user-agent": "APIs-Google", ...headers };
  event.body = body;
  event.isBase64Encoded = extra.isBase64Encoded ?? false;
  event.requestContext.http.method = extra.method ?? "POST";
  return event;
}
const authed = (body: string, headers: Record<string, string> = {}, extra = {}) =>
  request(body, { authorization: `Bearer ${token}`, ...headers }, extra);

function harness(
  options: {
    jwksUrl?: string;
    enqueue?: (jobs: readonly ScanJob[]) => Promise<void>;
    failStore?: boolean;
  } = {},
) {
  const queued: ScanJob[] = [];
  const deleted: Array<[string, string]> = [];
  const pushed: ScanJob[] = [];
  const logs: Array<[string, string, Record<string, unknown> | undefined]> = [];
  const record =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      logs.push([level, message, fields]);
    };
  const logger: Logger = {
    debug: record("debug"),
    info: record("info"),
    warn: record("warn"),
    error: record("error"),
  };
  const handler = createHandler({
    verifier: createPushTokenVerifier({
      audience: TEST_AUDIENCE,
      serviceAccountEmail: TEST_SERVICE_ACCOUNT,
      jwksUrl: options.jwksUrl ?? jwks.url,
      fetchTimeoutMs: 2000,
    }),
    queue: {
      async enqueue(jobs) {
        if (options.enqueue) await options.enqueue(jobs);
        queued.push(...jobs);
      },
    },
    store: {
      async markDeleted(key, at) {
        if (options.failStore) throw new Error("DynamoDB is throttling");
        deleted.push([key, at]);
      },
      async recordPushed(job) {
        pushed.push(job);
      },
    },
    logger,
    now: () => new Date("2026-03-01T12:00:00Z"),
  });
  return { handler, queued, deleted, logs, pushed };
}

describe("gar-intake handler", () => {
  it("queues a pushed, tagged image once the token checks out", async () => {
    const h = harness();
    const response = await h.handler(authed(fixtureText("pubsub-push-gar-insert.json")));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ queued: 1, deleted: 0 });
    expect(h.queued).toEqual([
      {
        v: 1,
        provider: "gar",
        account: "my-project",
        region: "us-east1",
        repository: "my-repo/hello-world",
        digest: DIGEST,
        tag: "1.1",
        registry: "us-east1-docker.pkg.dev",
        reason: "push",
        eventTime: "2021-02-26T19:13:55.749Z",
      },
    ]);
    expect(h.pushed).toEqual(h.queued);
  });

  it("queues an untagged push without a tag", async () => {
    const h = harness();
    await h.handler(authed(fixtureText("pubsub-push-gar-insert-untagged.json")));
    expect(h.queued).toHaveLength(1);
    expect(h.queued[0]).not.toHaveProperty("tag");
  });

  it("marks a deleted image with the publish time", async () => {
    const h = harness();
    const response = await h.handler(authed(fixtureText("pubsub-push-gar-delete.json")));
    expect(JSON.parse(response.body)).toEqual({ queued: 0, deleted: 1 });
    expect(h.deleted).toEqual([[KEY, "2021-02-26T19:20:41.003Z"]]);
    expect(h.queued).toEqual([]);
  });

  it("reads an unwrapped push, with metadata headers, from a base64 body", async () => {
    const data = Buffer.from(JSON.parse(fixtureText("pubsub-push-gar-insert.json")).message.data, "base64");
    const h = harness();
    const response = await h.handler(
      authed(
        data.toString("base64"),
        {
          "x-goog-pubsub-message-id": "42",
          "x-goog-pubsub-publish-time": "2026-02-28T08:00:00.123456789Z",
          "x-goog-pubsub-subscription-name": "projects/my-project/subscriptions/unwrapped",
        },
        { isBase64Encoded: true },
      ),
    );
    expect(response.statusCode).toBe(200);
    expect(h.queued[0]).toMatchObject({ digest: DIGEST, eventTime: "2026-02-28T08:00:00.123Z" });
  });

  it("accepts header names in any case (local callers, not function URLs)", async () => {
    const h = harness();
    const event = request(fixtureText("pubsub-push-gar-insert.json"), { Authorization: `Bearer ${token}` });
    expect((await h.handler(event)).statusCode).toBe(200);
  });

  it("answers anything but POST with 405", async () => {
    const h = harness();
    const response = await h.handler(authed("", {}, { method: "GET" }));
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe("POST");
  });

  it("checks the token before the body: a bad token with a malformed body is 401, not 400", async () => {
    const h = harness();
    const forged = await jwks.sign(googleClaims(), { key: "untrusted", kid: "trusted-1" });
    const response = await h.handler(request("{not json", { authorization: `Bearer ${forged}` }));
    expect(response.statusCode).toBe(401);
    expect(response.headers["www-authenticate"]).toMatch(/^Bearer/);
    expect(JSON.parse(response.body)).toEqual({ error: "unauthorized" });
    expect(h.logs).toEqual([
      ["warn", "push refused", expect.objectContaining({ reason: expect.any(String) })],
    ]);
    expect(JSON.stringify(h.logs)).not.toContain(forged.split(".")[2]);
  });

  it.each([
    ["no Authorization header", {}],
    ["another audience's token", "aud"],
    ["a Basic header", { authorization: "Basic dXNlcjpwYXNz" }],
  ])("refuses %s with 401 and queues nothing", async (_, headers) => {
    const h = harness();
    const auth =
      headers === "aud"
        ? { authorization: `Bearer ${await jwks.sign(googleClaims({ aud: "https://other.example/" }))}` }
        : headers;
    const response = await h.handler(request(fixtureText("pubsub-push-gar-insert.json"), auth));
    expect(response.statusCode).toBe(401);
    expect(h.queued).toEqual([]);
  });

  it("refuses a huge body from an unauthenticated caller with 401, from Pub/Sub with 413", async () => {
    const h = harness();
    const huge = "x".repeat(100_000);
    expect((await h.handler(request(huge, {}))).statusCode).toBe(401);
    expect((await h.handler(authed(huge))).statusCode).toBe(413);
    expect(
      (await h.handler(authed(Buffer.from(huge).toString("base64"), {}, { isBase64Encoded: true })))
        .statusCode,
    ).toBe(413);
  });

  it("answers 503 when the signing keys cannot be fetched, so Pub/Sub redelivers", async () => {
    const down = await startJwksServer();
    const url = down.url;
    await down.close();
    const h = harness({ jwksUrl: url });
    const response = await h.handler(authed(fixtureText("pubsub-push-gar-insert.json")));
    expect(response.statusCode).toBe(503);
    expect(h.queued).toEqual([]);
  });

  it.each([
    ["a malformed envelope", "{not json", /push envelope|invalid/],
    ["bad base64 data", JSON.stringify({ message: { data: "!!!" } }), /base64/],
  ])("acknowledges an authentic push with %s, saying why", async (_, body) => {
    const h = harness();
    const response = await h.handler(authed(body));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ acknowledged: true });
    expect(h.logs.some(([level]) => level === "warn")).toBe(true);
    expect(h.queued).toEqual([]);
  });

  it("acknowledges a tag-only message as ignored", async () => {
    const h = harness();
    const data = Buffer.from(
      JSON.stringify({ action: "INSERT", tag: "us-east1-docker.pkg.dev/my-project/my-repo/hello-world:2" }),
    );
    const response = await h.handler(
      authed(JSON.stringify({ message: { data: data.toString("base64"), messageId: "7" } })),
    );
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body).ignored).toMatch(/tag-only INSERT/);
    expect(h.queued).toEqual([]);
  });

  it("answers 503 when the queue fails, so Pub/Sub redelivers", async () => {
    const h = harness({
      enqueue: async () => {
        throw new Error("SQS is down");
      },
    });
    const response = await h.handler(authed(fixtureText("pubsub-push-gar-insert.json")));
    expect(response.statusCode).toBe(503);
    expect(h.logs.at(-1)).toEqual([
      "error",
      expect.any(String),
      expect.objectContaining({ error: "Error: SQS is down" }),
    ]);
  });

  it("answers 503 when the store fails a delete", async () => {
    const h = harness({ failStore: true });
    expect((await h.handler(authed(fixtureText("pubsub-push-gar-delete.json")))).statusCode).toBe(503);
  });

  it("answers only after the queue accepted the job", async () => {
    let accept: () => void = () => {};
    const accepted = new Promise<void>((resolve) => {
      accept = resolve;
    });
    const h = harness({ enqueue: () => accepted });
    let answered = false;
    const pending = h.handler(authed(fixtureText("pubsub-push-gar-insert.json"))).then((r) => {
      answered = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toBe(false);
    accept();
    expect((await pending).statusCode).toBe(200);
    expect(h.queued).toHaveLength(1);
  });
});
