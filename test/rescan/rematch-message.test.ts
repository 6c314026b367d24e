import { describe, expect, it } from "vitest";
import type { VulnerabilityFinding } from "../../lib/matching/finding.js";
import { diffFindings } from "../../lib/rescan/finding-diff.js";
import { rescanReportKey } from "../../lib/rescan/rematch-image.js";
import { parseRematchMessage, rematchMessages } from "../../lib/rescan/rematch-message.js";

const at = new Date("2026-06-01T00:00:00.000Z");

describe("rematch messages", () => {
  it("cuts keys into bounded batches", () => {
    const keys = Array.from({ length: 7 }, (_, i) => `ecr#1#r#repo@sha256:${i}`);
    expect(
      rematchMessages(keys, { reason: "db-update", plannedAt: at, batchSize: 3 }).map(
        (m) => m.imageKeys.length,
      ),
    ).toEqual([3, 3, 1]);
    // Over the cap is cut to the cap: a body must stay far below SQS's size limit.
    expect(
      rematchMessages(Array(250).fill("k"), { reason: "scheduled", plannedAt: at, batchSize: 1000 }),
    ).toHaveLength(3);
    expect(rematchMessages([], { reason: "scheduled", plannedAt: at })).toEqual([]);
  });

  it("rejects bodies that are not rematch messages", () => {
    const good = {
      v: 1,
      kind: "rematch",
      reason: "db-update",
      imageKeys: ["k"],
      plannedAt: at.toISOString(),
    };
    expect(parseRematchMessage(JSON.stringify(good))).toEqual(good);
    expect(() => parseRematchMessage(JSON.stringify({ ...good, imageKeys: [] }))).toThrow();
    expect(() => parseRematchMessage(JSON.stringify({ ...good, reason: "push" }))).toThrow();
    expect(() => parseRematchMessage(JSON.stringify({ ...good, extra: 1 }))).toThrow();
    expect(() => parseRematchMessage(JSON.stringify({ ...good, plannedAt: "yesterday" }))).toThrow();
    expect(() => parseRematchMessage("{not json")).toThrow();
  });
});

describe("diffFindings", () => {
  const f = (id: string, name: string, version = "1.0"): VulnerabilityFinding => ({
    id,
    aliases: [id],
    advisories: [id],
    package: { ecosystem: "npm", name, version, foundIn: "x", layer: { index: 0, diffID: "d", digest: "c" } },
    fixedVersions: [],
    status: "affected",
    severity: { level: "HIGH" },
    references: [],
  });

  it("reports what is new and what vanished, by finding identity", () => {
    const diff = diffFindings([f("A", "a"), f("B", "b")], [f("B", "b"), f("C", "c"), f("A", "a", "2.0")]);
    expect(diff.added.map((x) => `${x.id} ${x.package.version}`)).toEqual(["C 1.0", "A 2.0"]);
    expect(diff.resolved.map((x) => `${x.id} ${x.package.version}`)).toEqual(["A 1.0"]);
  });
});

describe("rescanReportKey", () => {
  it("puts the report beside the image's others", () => {
    expect(
      rescanReportKey(
        "sboms/ecr/1/r/repo/sha256_x/2026-01-01T000000.000Z.cdx.json",
        "2026-02-01T01:02:03.000Z",
      ),
    ).toBe("reports/ecr/1/r/repo/sha256_x/2026-02-01T010203.000Z.json");
  });
});
