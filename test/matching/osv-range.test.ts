import { describe, expect, it } from "vitest";
import { evaluateAffected } from "../../lib/matching/osv-range.js";
import type { Affected } from "../../lib/vulndb/advisory.js";

/** Dotted numeric versions: enough to test the OSV event logic on its own. */
const dotted = (a: string, b: string): number => {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
};

const range = (...events: Array<Record<string, string>>): Affected => ({
  package: { ecosystem: "PyPI", name: "x" },
  ranges: [{ type: "ECOSYSTEM", events: events as never }],
});
const affected = (version: string, a: Affected) => evaluateAffected(version, a, dotted).affected;

describe("OSV range evaluation", () => {
  it("introduced/fixed is half-open", () => {
    const a = range({ introduced: "1.0" }, { fixed: "1.5" });
    expect(["0.9", "1.0", "1.4.9", "1.5", "2.0"].map((v) => affected(v, a))).toEqual([
      false,
      true,
      true,
      false,
      false,
    ]);
    expect(evaluateAffected("1.2", a, dotted).fixedVersions).toEqual(["1.5"]);
  });

  it('introduced "0" covers everything below the fix', () => {
    const a = range({ introduced: "0" }, { fixed: "2.0" });
    expect(affected("0.0.1", a)).toBe(true);
    expect(affected("2.0", a)).toBe(false);
  });

  it("last_affected is inclusive", () => {
    const a = range({ introduced: "1.0" }, { last_affected: "1.4" });
    expect(["1.4", "1.4.1"].map((v) => affected(v, a))).toEqual([true, false]);
    expect(evaluateAffected("1.4", a, dotted).fixedVersions).toEqual([]);
  });

  it("several introduced/fixed pairs in one range, events in any order", () => {
    const a = range({ fixed: "2.3" }, { introduced: "2.0" }, { fixed: "1.5" }, { introduced: "1.0" });
    expect(["1.2", "1.7", "2.1", "2.3"].map((v) => affected(v, a))).toEqual([true, false, true, false]);
    expect(evaluateAffected("1.2", a, dotted).fixedVersions).toEqual(["1.5", "2.3"]);
  });

  it("an introduced without a fix affects everything after it", () => {
    expect(affected("99", range({ introduced: "3.0" }))).toBe(true);
  });

  it("limit caps the range", () => {
    const a = range({ introduced: "0" }, { limit: "5.0" });
    expect(["4.9", "5.0"].map((v) => affected(v, a))).toEqual([true, false]);
  });

  it("explicit versions match exactly; GIT ranges count only through them", () => {
    const a: Affected = {
      package: { ecosystem: "PyPI", name: "x" },
      versions: ["1.0", "1.1"],
      ranges: [{ type: "GIT", repo: "https://example.invalid/x", events: [{ introduced: "abc" }] }],
    };
    expect(["1.0", "1.1", "1.2"].map((v) => affected(v, a))).toEqual([true, true, false]);
  });

  it("a comparator that throws does not abort evaluation", () => {
    const throwing = () => {
      throw new Error("garbage");
    };
    expect(() => evaluateAffected("x", range({ introduced: "0" }, { fixed: "y" }), throwing)).not.toThrow();
  });
});
