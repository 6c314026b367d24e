import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { jobsFromGarMessage } from "../../lib/gcp/gar-events.js";
import { type PushMessage, parsePushRequest } from "../../lib/gcp/pubsub-push.js";
import { ScanJobSchema } from "../../lib/pipeline/ecr-events.js";

const DIGEST = "sha256:6ec128e26cd5d1fe71a5f8d4bfc4b50c5b3a6e2a0c2d8e9f4b1a7c3d5e6f7a8b";
const IMAGE = "us-east1-docker.pkg.dev/my-project/my-repo/hello-world";
const now = () => new Date("2026-03-01T12:00:00Z");

function pushed(name: string): PushMessage {
  const body = readFileSync(new URL(`../fixtures/events/${name}`, import.meta.url));
  const message = parsePushRequest({ body, headers: {} });
  if ("invalid" in message) throw new Error(message.invalid);
  return message;
}
const raw = (value: unknown, publishTime?: string) => ({
  data: Buffer.from(typeof value === "string" ? value : JSON.stringify(value)),
  ...(publishTime ? { publishTime } : {}),
});

describe("jobsFromGarMessage", () => {
  it("queues a tagged INSERT by digest, keyed by project and location", () => {
    const result = jobsFromGarMessage(pushed("pubsub-push-gar-insert.json"), { now });
    expect(result).toEqual({
      jobs: [
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
      ],
      deletes: [],
    });
    expect(ScanJobSchema.safeParse(result.jobs[0]).success).toBe(true);
  });

  it("queues an untagged INSERT without a tag", () => {
    const { jobs } = jobsFromGarMessage(pushed("pubsub-push-gar-insert-untagged.json"));
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).not.toHaveProperty("tag");
    expect(jobs[0]?.eventTime).toBe("2021-02-26T19:14:02.112Z");
  });

  it("handles the same message delivered unwrapped, timed by now when no metadata came", () => {
    const data = pushed("pubsub-push-gar-insert.json").data;
    const unwrapped = parsePushRequest({ body: data, headers: {} });
    if ("invalid" in unwrapped) throw new Error(unwrapped.invalid);
    const { jobs } = jobsFromGarMessage(unwrapped, { now });
    expect(jobs[0]).toMatchObject({ digest: DIGEST, tag: "1.1", eventTime: "2026-03-01T12:00:00.000Z" });
  });

  it("marks a deleted image by its image key", () => {
    expect(jobsFromGarMessage(pushed("pubsub-push-gar-delete.json"))).toEqual({
      jobs: [],
      deletes: [`gar#my-project#us-east1#my-repo/hello-world@${DIGEST}`],
    });
  });

  it("keys a domain-scoped project by its project id", () => {
    const name = `europe-docker.pkg.dev/example.com/tools-prod/containers/team/api@${DIGEST}`;
    const { jobs } = jobsFromGarMessage(raw({ action: "INSERT", digest: name }), { now });
    expect(jobs[0]).toMatchObject({
      account: "example.com:tools-prod",
      region: "europe",
      repository: "containers/team/api",
      registry: "europe-docker.pkg.dev",
    });
  });

  it("ignores a tag-only INSERT: there is no digest to scan", () => {
    const result = jobsFromGarMessage(raw({ action: "INSERT", tag: `${IMAGE}:1.2` }));
    expect(result).toMatchObject({ jobs: [], deletes: [] });
    expect(result.ignored).toMatch(/tag-only INSERT/);
  });

  it("ignores a tag-only DELETE: the image stays", () => {
    const result = jobsFromGarMessage(raw({ action: "DELETE", tag: `${IMAGE}:1.1` }));
    expect(result).toMatchObject({
      jobs: [],
      deletes: [],
      ignored: expect.stringMatching(/image itself stays/),
    });
  });

  it("ignores actions it does not know", () => {
    expect(jobsFromGarMessage(raw({ action: "UPDATE", digest: `${IMAGE}@${DIGEST}` })).ignored).toMatch(
      /action UPDATE/,
    );
  });

  const hostile: Array<[string, unknown]> = [
    ["non-JSON data", "INSERT please"],
    ["a JSON string", '"INSERT"'],
    ["null", null],
    ["an array", [1, 2]],
    ["no action", { digest: `${IMAGE}@${DIGEST}` }],
    ["a numeric action", { action: 1, digest: `${IMAGE}@${DIGEST}` }],
    ["a huge action", { action: "I".repeat(100_000) }],
    ["a numeric digest", { action: "INSERT", digest: 42 }],
    ["a digest name without a digest", { action: "INSERT", digest: `${IMAGE}:1.1` }],
    ["a tag name without a tag", { action: "INSERT", digest: `${IMAGE}@${DIGEST}`, tag: IMAGE }],
    ["a sha512 digest", { action: "INSERT", digest: `${IMAGE}@sha512:${"a".repeat(128)}` }],
    ["a foreign host", { action: "INSERT", digest: `evil.example.com/my-project/my-repo/x@${DIGEST}` }],
    [
      "path traversal in the image",
      { action: "INSERT", digest: `us-east1-docker.pkg.dev/my-project/my-repo/../../etc@${DIGEST}` },
    ],
    [
      "path traversal in the repo",
      { action: "DELETE", digest: `us-east1-docker.pkg.dev/my-project/../x@${DIGEST}` },
    ],
    [
      "an upper-case image",
      { action: "INSERT", digest: `us-east1-docker.pkg.dev/my-project/my-repo/Hello@${DIGEST}` },
    ],
    ["a 1 MB digest name", { action: "INSERT", digest: `${"a".repeat(1 << 20)}@${DIGEST}` }],
    [
      "a 300-character image path",
      {
        action: "INSERT",
        digest: `us-east1-docker.pkg.dev/my-project/my-repo/${"a/".repeat(150)}x@${DIGEST}`,
      },
    ],
    [
      "digest and tag of different images",
      { action: "INSERT", digest: `${IMAGE}@${DIGEST}`, tag: `${IMAGE}-other:1.1` },
    ],
    [
      "digest and tag in different projects",
      {
        action: "DELETE",
        digest: `${IMAGE}@${DIGEST}`,
        tag: "us-east1-docker.pkg.dev/other-project/my-repo/hello-world:1",
      },
    ],
  ];
  it.each(hostile)("answers a message with %s as invalid, without throwing", (_, value) => {
    const result = jobsFromGarMessage(raw(value));
    expect(result.invalid).toBeTruthy();
    expect(result.invalid?.length).toBeLessThanOrEqual(1000);
    expect(result.jobs).toEqual([]);
    expect(result.deletes).toEqual([]);
  });

  it("refuses data over 8 KiB before parsing it", () => {
    const result = jobsFromGarMessage({ data: Buffer.alloc(9000, 0x20) });
    expect(result.invalid).toMatch(/larger than 8192 bytes/);
  });

  it("refuses an unreadable publish time", () => {
    expect(
      jobsFromGarMessage(raw({ action: "DELETE", digest: `${IMAGE}@${DIGEST}` }, "soon")).invalid,
    ).toMatch(/publishTime/);
  });
});
