import { describe, expect, it } from "vitest";
import type { AdvisoryIndex } from "../../../lib/vulndb/publish/advisory-index.js";
import { diffDatabases } from "../../../lib/vulndb/publish/diff-databases.js";

const index = (rows: Array<[string, string, ...string[]]>): AdvisoryIndex =>
  new Map(rows.map(([id, digest, ...ecosystems]) => [id, { digest, ecosystems }]));

describe("diffDatabases", () => {
  const before = index([
    ["GO-1", "a", "Go"],
    ["GO-2", "b", "Go"],
    ["DSA-1", "c", "Debian"],
    ["GHSA-x", "d", "npm"],
  ]);

  it("lists added, modified and removed ids per ecosystem, with distinct totals", () => {
    const after = index([
      ["GO-1", "a", "Go"],
      ["GO-2", "b2", "Go"],
      ["GO-3", "e", "Go"],
      ["DSA-1", "c", "Debian"],
      ["PYSEC-1", "f", "PyPI", "npm"],
    ]);
    expect(diffDatabases(before, after)).toEqual({
      totals: { added: 2, modified: 1, removed: 1 },
      ecosystems: {
        Go: { added: ["GO-3"], modified: ["GO-2"], removed: [] },
        PyPI: { added: ["PYSEC-1"], modified: [], removed: [] },
        npm: { added: ["PYSEC-1"], modified: [], removed: ["GHSA-x"] },
      },
    });
  });

  it("reports an advisory that moved ecosystems as modified in both", () => {
    const after = index([
      ["GO-1", "a", "Go"],
      ["GO-2", "b", "Go"],
      ["DSA-1", "c2", "Debian", "Ubuntu"],
      ["GHSA-x", "d", "npm"],
    ]);
    expect(diffDatabases(before, after).ecosystems).toEqual({
      Debian: { added: [], modified: ["DSA-1"], removed: [] },
      Ubuntu: { added: [], modified: ["DSA-1"], removed: [] },
    });
  });

  it("treats everything as added without a previous index, and nothing as changed between equals", () => {
    expect(diffDatabases(undefined, before).totals).toEqual({ added: 4, modified: 0, removed: 0 });
    expect(diffDatabases(before, before)).toEqual({
      totals: { added: 0, modified: 0, removed: 0 },
      ecosystems: {},
    });
  });
});
