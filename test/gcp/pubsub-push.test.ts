import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeBase64, parsePushRequest } from "../../lib/gcp/pubsub-push.js";

const fixtureText = (name: string): string =>
  readFileSync(new URL(`../fixtures/events/${name}`, import.meta.url), "utf8");
const fixture = (name: string) => JSON.parse(fixtureText(name));
const request = (body: unknown, headers: Record<string, string> = {}) => ({
  body: Buffer.isBuffer(body) ? body : Buffer.from(typeof body === "string" ? body : JSON.stringify(body)),
  headers,
});
const GAR_INSERT =
  '{"action":"INSERT","digest":"us-east1-docker.pkg.dev/my-project/my-repo/hello-world@sha256:6ec128e26cd5d1fe71a5f8d4bfc4b50c5b3a6e2a0c2d8e9f4b1a7c3d5e6f7a8b","tag":"us-east1-docker.pkg.dev/my-project/my-repo/hello-world:1.1"}';

describe("parsePushRequest: wrapped", () => {
  it("reads the documented envelope", () => {
    const message = parsePushRequest(request(fixtureText("pubsub-push-gar-insert.json")));
    expect(message).toEqual({
      data: Buffer.from(GAR_INSERT),
      attributes: {},
      messageId: "2070443601311540",
      publishTime: "2021-02-26T19:13:55.749Z",
      subscription: "projects/my-project/subscriptions/portcullis-gar-push",
    });
  });

  it("takes either spelling of the id and time, and attributes when given", () => {
    const body = fixture("pubsub-push-gar-delete.json");
    delete body.message.messageId;
    delete body.message.publish_time;
    body.message.attributes = { key: "value" };
    body.deliveryAttempt = 3;
    expect(parsePushRequest(request(body))).toMatchObject({
      messageId: "2070443601311542",
      publishTime: "2021-02-26T19:20:41.003Z",
      attributes: { key: "value" },
    });
  });

  it("accepts an envelope without data (attributes only) as empty data", () => {
    const message = parsePushRequest(request({ message: { attributes: { a: "b" }, messageId: "1" } }));
    expect(message).toMatchObject({ data: Buffer.alloc(0), attributes: { a: "b" } });
  });

  const hostile: Array<
    [string, (b: { message: Record<string, unknown> } & Record<string, unknown>) => unknown]
  > = [
    ["data that is not base64", (b) => ({ ...b, message: { ...b.message, data: "not base64!" } })],
    ["base64url data", (b) => ({ ...b, message: { ...b.message, data: "-_-_" } })],
    ["unpadded base64", (b) => ({ ...b, message: { ...b.message, data: "eyJh" + "Y" } })],
    ["numeric data", (b) => ({ ...b, message: { ...b.message, data: 12 } })],
    ["an array message", (b) => ({ ...b, message: [] })],
    ["a null message", (b) => ({ ...b, message: null })],
    ["ids that disagree", (b) => ({ ...b, message: { ...b.message, message_id: "999" } })],
    [
      "times that disagree",
      (b) => ({ ...b, message: { ...b.message, publish_time: "2000-01-01T00:00:00Z" } }),
    ],
    [
      "a bad publish time",
      (b) => ({ ...b, message: { ...b.message, publishTime: "yesterday", publish_time: undefined } }),
    ],
    ["a path for a subscription", (b) => ({ ...b, subscription: "../../etc/passwd" })],
    ["a numeric attribute", (b) => ({ ...b, message: { ...b.message, attributes: { a: 1 } } })],
    [
      "101 attributes",
      (b) => ({
        ...b,
        message: {
          ...b.message,
          attributes: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, "v"])),
        },
      }),
    ],
    [
      "a 2 KiB attribute value",
      (b) => ({ ...b, message: { ...b.message, attributes: { a: "v".repeat(2048) } } }),
    ],
    ["a huge message id", (b) => ({ ...b, message: { ...b.message, messageId: "1".repeat(10_000) } })],
  ];
  it.each(hostile)("answers an envelope with %s as invalid", (_, mutate) => {
    const result = parsePushRequest(request(mutate(fixture("pubsub-push-gar-insert.json"))));
    expect(result).toHaveProperty("invalid");
    expect((result as { invalid: string }).invalid.length).toBeLessThanOrEqual(1000);
  });

  it("refuses a body over the cap before parsing it", () => {
    const body = fixture("pubsub-push-gar-insert.json");
    body.padding = "x".repeat(70_000);
    expect(parsePushRequest(request(body))).toEqual({ invalid: "body larger than 65536 bytes" });
  });

  it("insists on the envelope when told the subscription wraps", () => {
    expect(parsePushRequest(request(GAR_INSERT), { format: "wrapped" })).toHaveProperty("invalid");
    expect(parsePushRequest(request("not json"), { format: "wrapped" })).toEqual({
      invalid: "body is not a JSON push envelope",
    });
  });
});

describe("parsePushRequest: unwrapped (no wrapper)", () => {
  it("takes the body as data and the metadata from the x-goog-pubsub headers", () => {
    const message = parsePushRequest(
      request(GAR_INSERT, {
        "x-goog-pubsub-message-id": "2070443601311540",
        "x-goog-pubsub-publish-time": "2021-02-26T19:13:55.749Z",
        "x-goog-pubsub-subscription-name": "projects/my-project/subscriptions/unwrapped",
        "content-type": "application/json",
      }),
    );
    expect(message).toEqual({
      data: Buffer.from(GAR_INSERT),
      attributes: {},
      messageId: "2070443601311540",
      publishTime: "2021-02-26T19:13:55.749Z",
      subscription: "projects/my-project/subscriptions/unwrapped",
    });
  });

  it("takes the raw body without metadata when write metadata is off", () => {
    expect(parsePushRequest(request("plain text"))).toEqual({
      data: Buffer.from("plain text"),
      attributes: {},
    });
  });

  it("keeps a JSON body that happens to contain `message` as data when told the subscription unwraps", () => {
    const body = JSON.stringify({ message: { data: "AAAA" } });
    expect(parsePushRequest(request(body), { format: "unwrapped" })).toEqual({
      data: Buffer.from(body),
      attributes: {},
    });
  });

  it.each([
    ["x-goog-pubsub-publish-time", "not a time"],
    ["x-goog-pubsub-subscription-name", "projects/p/topics/t"],
    ["x-goog-pubsub-message-id", "9".repeat(500)],
  ])("answers a bad %s header as invalid", (name, value) => {
    expect(parsePushRequest(request(GAR_INSERT, { [name]: value }))).toHaveProperty("invalid");
  });
});

describe("decodeBase64", () => {
  it.each([
    ["", ""],
    ["YQ==", "a"],
    ["YWI=", "ab"],
    ["YWJj", "abc"],
  ])("decodes %j", (text, plain) => {
    expect(decodeBase64(text)?.toString()).toBe(plain);
  });

  it.each(["YQ", "YQ=", "Y===", "YR==", "YW I=", "YWJj\n", "YWJj====", "YQ==YQ=="])("refuses %j", (text) => {
    expect(decodeBase64(text)).toBeUndefined();
  });
});
