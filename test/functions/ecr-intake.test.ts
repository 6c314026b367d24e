import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createHandler } from "../../functions/ecr-intake.js";
import { silentLogger } from "../../lib/logger.js";
import { jobFromScanRequest, jobsFromEcrEvent } from "../../lib/pipeline/ecr-events.js";
import type { ScanJob } from "../../lib/stores/scan-job.js";

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../fixtures/events/${name}`, import.meta.url), "utf8"));
const DIGEST = "sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378abcd12345678";
const config = {
  centralAccount: "123456789012",
  pullRoleArnTemplate: "arn:aws:iam::{account}:role/PortcullisPull",
};

function harness(options: { failQueue?: boolean } = {}) {
  const queued: ScanJob[] = [];
  const deleted: Array<[string, string]> = [];
  const pushed: ScanJob[] = [];
  const handler = createHandler({
    queue: {
      async enqueue(jobs) {
        if (options.failQueue) throw new Error("SQS is down");
        queued.push(...jobs);
      },
    },
    store: {
      async markDeleted(key, at) {
        deleted.push([key, at]);
      },
      async recordPushed(job) {
        pushed.push(job);
      },
    },
    config,
    logger: silentLogger,
  });
  return { handler, queued, deleted, pushed };
}

describe("ecr-intake handler", () => {
  it("queues a job for a successful tagged push", async () => {
    const h = harness();
    expect(await h.handler(fixture("ecr-push-success.json"))).toEqual({ queued: 1, deleted: 0 });
    expect(h.queued).toEqual([
      {
        v: 1,
        provider: "ecr",
        account: "123456789012",
        region: "us-west-2",
        repository: "my-repository-name",
        digest: DIGEST,
        tag: "latest",
        registry: "123456789012.dkr.ecr.us-west-2.amazonaws.com",
        reason: "push",
        eventTime: "2019-11-16T01:54:34.000Z",
      },
    ]);
    // Counted as pushed for the dashboard's coverage before it is queued.
    expect(h.pushed).toEqual(h.queued);
  });

  it("queues an untagged push without a tag", async () => {
    const h = harness();
    await h.handler(fixture("ecr-push-success-untagged.json"));
    expect(h.queued).toHaveLength(1);
    expect(h.queued[0]?.repository).toBe("team/service-api");
    expect(h.queued[0]).not.toHaveProperty("tag");
  });

  it("marks a deleted image with the event time", async () => {
    const h = harness();
    expect(await h.handler(fixture("ecr-delete-success.json"))).toEqual({ queued: 0, deleted: 1 });
    expect(h.deleted).toEqual([
      [`ecr#123456789012#us-west-2#my-repository-name@${DIGEST}`, "2019-11-16T02:01:05.000Z"],
    ]);
    expect(h.queued).toEqual([]);
  });

  it("queues the destination copy of a replication, with the member account's pull role", async () => {
    const h = harness();
    await h.handler(fixture("ecr-replication-success.json"));
    expect(h.queued).toEqual([
      expect.objectContaining({
        account: "210987654321",
        region: "us-east-1",
        repository: "docker-hub/alpine",
        registry: "210987654321.dkr.ecr.us-east-1.amazonaws.com",
        pullRoleArn: "arn:aws:iam::210987654321:role/PortcullisPull",
        reason: "replication",
        tag: "3.17.2",
      }),
    ]);
  });

  it.each([
    ["ecr-push-failure.json", /PUSH did not succeed \(result FAILURE\)/],
    ["ecr-delete-failure.json", /DELETE did not succeed/],
    ["ecr-replication-failure.json", /REPLICATE did not succeed/],
    ["ecr-pull-through-cache.json", /ECR Pull Through Cache Action/],
  ])("ignores %s", async (name, reason) => {
    const h = harness();
    const response = await h.handler(fixture(name));
    expect(response.ignored).toMatch(reason);
    expect(h.queued).toEqual([]);
    expect(h.deleted).toEqual([]);
  });

  it("ignores action types it does not scan", async () => {
    const event = fixture("ecr-push-success.json");
    (event.detail as Record<string, unknown>)["action-type"] = "TAG";
    expect(jobsFromEcrEvent(event).ignored).toMatch(/action-type TAG/);
  });

  it("rejects the documented sample's 60-digit digest as invalid", async () => {
    const h = harness();
    const response = await h.handler(fixture("ecr-push-docs-digest.json"));
    expect(response.invalid).toMatch(/image-digest: the image digest must be sha256:<64 hex>/);
    expect(h.queued).toEqual([]);
  });

  const hostile: Array<[string, (e: Record<string, unknown>, d: Record<string, unknown>) => unknown]> = [
    ["null", () => null],
    ["a string", () => "ECR Image Action"],
    ["an array", () => []],
    ["no detail", (e) => ({ ...e, detail: undefined })],
    ["another source", (e) => ({ ...e, source: "aws.s3" })],
    ["account of the wrong type", (e) => ({ ...e, account: 123456789012 })],
    ["a malformed account", (e) => ({ ...e, account: "../../etc" })],
    ["a bad time", (e) => ({ ...e, time: "yesterday" })],
    ["a missing digest", (e, d) => ({ ...e, detail: { ...d, "image-digest": undefined } })],
    ["a sha512 digest", (e, d) => ({ ...e, detail: { ...d, "image-digest": `sha512:${"a".repeat(128)}` } })],
    ["an upper-case digest", (e, d) => ({ ...e, detail: { ...d, "image-digest": DIGEST.toUpperCase() } })],
    ["a path in the repository", (e, d) => ({ ...e, detail: { ...d, "repository-name": "../secrets" } })],
    [
      "a 1 MB repository name",
      (e, d) => ({ ...e, detail: { ...d, "repository-name": "a".repeat(1 << 20) } }),
    ],
    ["a huge tag", (e, d) => ({ ...e, detail: { ...d, "image-tag": "t".repeat(100_000) } })],
    ["a huge result", (e, d) => ({ ...e, detail: { ...d, result: "S".repeat(100_000) } })],
    ["a numeric result", (e, d) => ({ ...e, detail: { ...d, result: 1 } })],
    ["a detail array", (e) => ({ ...e, detail: [1, 2] })],
    ["10k resources", (e) => ({ ...e, resources: Array(10_000).fill("arn") })],
  ];
  it.each(hostile)("answers an event with %s as invalid, without throwing", async (_, mutate) => {
    const event = fixture("ecr-push-success.json");
    const h = harness();
    const response = await h.handler(mutate(event, event.detail as Record<string, unknown>));
    expect(response.invalid).toBeTruthy();
    expect(response.invalid?.length).toBeLessThanOrEqual(1000);
    expect(h.queued).toEqual([]);
  });

  it("throws when the queue fails, so EventBridge retries the event", async () => {
    const h = harness({ failQueue: true });
    await expect(h.handler(fixture("ecr-push-success.json"))).rejects.toThrow("SQS is down");
  });

  it("gives same-account pushes no pull role", () => {
    const { jobs } = jobsFromEcrEvent(fixture("ecr-push-success.json"), config);
    expect(jobs[0]).not.toHaveProperty("pullRoleArn");
  });
});

describe("jobFromScanRequest", () => {
  it("makes an ECR job from a digest request, with the pull role for a member account", async () => {
    const result = await jobFromScanRequest(
      { registry: "210987654321.dkr.ecr.eu-west-1.amazonaws.com", repository: "app/api", digest: DIGEST },
      { ...config, now: () => new Date("2026-01-01T00:00:00Z") },
    );
    expect(result).toEqual({
      job: {
        v: 1,
        provider: "ecr",
        account: "210987654321",
        region: "eu-west-1",
        repository: "app/api",
        digest: DIGEST,
        registry: "210987654321.dkr.ecr.eu-west-1.amazonaws.com",
        pullRoleArn: "arn:aws:iam::210987654321:role/PortcullisPull",
        reason: "on-demand",
        eventTime: "2026-01-01T00:00:00.000Z",
      },
    });
  });

  it("resolves a tag-only request to a digest, keying other registries by host", async () => {
    const result = await jobFromScanRequest(
      { registry: "registry.example.com:5000", repository: "team/app", tag: "1.2" },
      { resolveTag: async (_r, _repo, tag) => (tag === "1.2" ? DIGEST : "") },
    );
    expect(result).toMatchObject({
      job: { provider: "registry", account: "registry.example.com:5000", digest: DIGEST, tag: "1.2" },
    });
  });

  it.each([
    [{ registry: "r.example.com", repository: "app", tag: "x" }, /tag-only/],
    [{ registry: "r.example.com", repository: "app" }, /digest or a tag/],
    [{ registry: "r.example.com/../x", repository: "app", digest: DIGEST }, /registry/],
    [{ registry: "r.example.com", repository: "App", digest: DIGEST }, /repository/],
  ])("refuses %j", async (request, reason) => {
    const result = await jobFromScanRequest(request);
    expect("invalid" in result && result.invalid).toMatch(reason);
  });
});

describe("deployed ecr-intake handler", () => {
  it("builds its clients from the environment and answers an invalid event without calling AWS", async () => {
    process.env.QUEUE_URL = "https://sqs.us-west-2.amazonaws.com/123456789012/scan";
    process.env.TABLE_NAME = "portcullis";
    process.env.AWS_REGION = "us-west-2";
    process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
    const { handler } = await import("../../functions/ecr-intake.js");
    expect(await handler(fixture("ecr-push-failure.json"))).toMatchObject({
      queued: 0,
      ignored: expect.any(String),
    });
    expect(await handler({})).toMatchObject({ invalid: expect.any(String) });
  });
});
