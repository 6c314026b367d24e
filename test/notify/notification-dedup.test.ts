import { describe, expect, it } from "vitest";
import { dedupChange, dedupKey, InMemoryDedupStore } from "../../lib/notify/notification-dedup.js";
import { changeOf, image } from "./changes.js";
import { finding } from "./findings.js";

const destination = "slack:portcullis/slack/platform";
const now = new Date("2026-11-28T10:00:00Z");

describe("notification de-duplication", () => {
  const findings = [finding("CVE-2024-0001", "CRITICAL"), finding("CVE-2024-0002", "HIGH", { name: "zlib" })];

  it("notifies a finding once across two identical changes (a redelivered event)", async () => {
    const store = new InMemoryDedupStore(() => now.getTime());
    const first = await dedupChange(store, destination, changeOf(findings), { now });
    expect(first.change?.newFindings.map((f) => f.id)).toEqual(["CVE-2024-0001", "CVE-2024-0002"]);
    expect(first.keys).toHaveLength(2);
    const second = await dedupChange(store, destination, changeOf(findings), { now });
    expect(second.change).toBeUndefined();
    expect(second.keys).toEqual([]);
  });

  it("sends only what a repeated scan adds, with counts for what is sent", async () => {
    const store = new InMemoryDedupStore(() => now.getTime());
    await dedupChange(store, destination, changeOf(findings), { now });
    const rescan = changeOf([...findings, finding("CVE-2024-0003", "MEDIUM")], [], { reason: "rescan" });
    const result = await dedupChange(store, destination, rescan, { now });
    expect(result.change?.newFindings.map((f) => f.id)).toEqual(["CVE-2024-0003"]);
    expect(result.change?.counts.new).toMatchObject({ CRITICAL: 0, HIGH: 0, MEDIUM: 1 });
  });

  it("keeps destinations, images, packages and new/resolved apart", async () => {
    const store = new InMemoryDedupStore(() => now.getTime());
    await dedupChange(store, destination, changeOf(findings), { now });
    expect((await dedupChange(store, "sns:arn", changeOf(findings), { now })).change).toBeDefined();
    const other = changeOf(findings, [], { image: { ...image, digest: "sha256:ff" } });
    expect((await dedupChange(store, destination, other, { now })).change).toBeDefined();
    const samePackageElsewhere = changeOf([finding("CVE-2024-0001", "CRITICAL", { name: "libssl3" })]);
    expect((await dedupChange(store, destination, samePackageElsewhere, { now })).change).toBeDefined();
    const resolved = changeOf([], [findings[0] as (typeof findings)[0]]);
    expect((await dedupChange(store, destination, resolved, { now })).change?.resolvedFindings).toHaveLength(
      1,
    );
  });

  it("does not depend on tags or scan time, only on the image digest and the finding", () => {
    const a = changeOf(findings);
    const b = changeOf(findings, [], {
      image: { ...image, tags: ["latest"] },
      scannedAt: "2027-01-01T00:00:00Z",
    });
    const key = (c: typeof a) =>
      dedupKey(destination, c, "new", c.newFindings[0] as (typeof c.newFindings)[0]);
    expect(key(a)).toBe(key(b));
    expect(key(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("bounds keys built from 10 KB package names", () => {
    const huge = changeOf([finding("CVE-2024-0001", "HIGH", { name: "p".repeat(10_000) })]);
    expect(
      dedupKey(destination, huge, "new", huge.newFindings[0] as (typeof huge.newFindings)[0]),
    ).toHaveLength(64);
  });

  it("lets a released claim be sent again, and expired keys too", async () => {
    let clock = now.getTime();
    const store = new InMemoryDedupStore(() => clock);
    const first = await dedupChange(store, destination, changeOf(findings), { now, ttlSeconds: 60 });
    await store.release(first.keys);
    expect(
      (await dedupChange(store, destination, changeOf(findings), { now, ttlSeconds: 60 })).change,
    ).toBeDefined();
    expect(
      (await dedupChange(store, destination, changeOf(findings), { now, ttlSeconds: 60 })).change,
    ).toBeUndefined();
    clock += 61_000;
    expect(
      (await dedupChange(store, destination, changeOf(findings), { now: new Date(clock) })).change,
    ).toBeDefined();
  });

  it("claims a finding listed twice in one change once", async () => {
    const store = new InMemoryDedupStore(() => now.getTime());
    const twice = changeOf([findings[0], findings[0]] as typeof findings);
    const result = await dedupChange(store, destination, twice, { now });
    expect(result.change?.newFindings).toHaveLength(1);
    expect(store.size).toBe(1);
  });
});

describe("racing deliveries", () => {
  it("lets exactly one of two concurrent identical changes through", async () => {
    const store = new InMemoryDedupStore(() => now.getTime());
    const findings = [finding("CVE-2024-0001", "CRITICAL"), finding("CVE-2024-0002", "HIGH")];
    const results = await Promise.all([
      dedupChange(store, destination, changeOf(findings), { now }),
      dedupChange(store, destination, changeOf(findings), { now }),
    ]);
    expect(results.filter((r) => r.change !== undefined)).toHaveLength(1);
  });
});
