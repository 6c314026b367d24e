import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { jobsFromRegistryNotification } from "../../lib/local/registry-notifications.js";

type RawEvent = Record<string, unknown> & { target: Record<string, unknown> };

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8")) as { events: RawEvent[] };

describe("jobsFromRegistryNotification", () => {
  it("turns a real manifest push into a scan job by digest", () => {
    const result = jobsFromRegistryNotification(fixture("push-manifest.json"));
    expect(result).toEqual({
      ok: true,
      ignored: 0,
      jobs: [
        {
          v: 1,
          provider: "registry",
          account: "local",
          region: "local",
          repository: "library/alpine",
          digest: "sha256:e7c4e7784a52eef5f94a8453263b4ed7091a1d7b3ea4e1348b5843247a342d17",
          tag: "3.18",
          registry: "127.0.0.1:5999",
          reason: "push",
          eventTime: "2026-11-28T14:07:08.604Z",
        },
      ],
    });
  });

  it("ignores a layer blob push and a manifest pull", () => {
    expect(jobsFromRegistryNotification(fixture("push-layer.json"))).toEqual({
      ok: true,
      jobs: [],
      ignored: 1,
    });
    expect(jobsFromRegistryNotification(fixture("pull-manifest.json"))).toEqual({
      ok: true,
      jobs: [],
      ignored: 1,
    });
  });

  it("ignores delete, mount and index pushes, and scans one digest once per envelope", () => {
    const push = fixture("push-manifest.json").events[0] as RawEvent;
    const events = [
      { ...push, action: "delete" },
      { ...push, action: "mount" },
      { ...push, target: { ...push.target, mediaType: "application/vnd.oci.image.index.v1+json" } },
      push,
      { ...push, target: { ...push.target, tag: undefined } },
    ];
    const result = jobsFromRegistryNotification({ events });
    expect(result.ok && result.jobs.length).toBe(1);
    expect(result.ok && result.ignored).toBe(4);
  });

  it("falls back to the request host when the target has no URL", () => {
    const push = fixture("push-manifest.json").events[0] as RawEvent;
    const result = jobsFromRegistryNotification({
      events: [{ ...push, target: { ...push.target, url: undefined } }],
    });
    expect(result.ok && result.jobs[0]?.registry).toBe("127.0.0.1:5999");
  });

  it("skips events whose digest or repository is unusable, without failing the envelope", () => {
    const push = fixture("push-manifest.json").events[0] as RawEvent;
    const result = jobsFromRegistryNotification({
      events: [
        { ...push, target: { ...push.target, digest: "sha256:../../etc" } },
        { ...push, target: { ...push.target, repository: "UPPER/../x" } },
      ],
    });
    expect(result).toEqual({ ok: true, jobs: [], ignored: 2 });
  });

  it.each([
    ["not an object", "hello"],
    ["no events", {}],
    ["events not an array", { events: {} }],
    ["event without target", { events: [{ id: "1", timestamp: "t", action: "push" }] }],
    ["null", null],
  ])("rejects a malformed envelope (%s)", (_name, body) => {
    const result = jobsFromRegistryNotification(body);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.invalid).toMatch(/\S/);
  });
});
