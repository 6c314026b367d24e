import { describe, expect, it } from "vitest";
import { PathIndex, PathIndexBuilder } from "../../lib/layers/path-index.js";

describe("PathIndex", () => {
  it("answers membership for every added path and rejects others", () => {
    const builder = new PathIndexBuilder();
    const paths = Array.from({ length: 20_000 }, (_, i) => `usr/lib/pkg-${i % 700}/file-${i}.txt`);
    for (const p of paths) builder.add(p);
    builder.add(paths[0] as string); // duplicates collapse
    const serialised = builder.toString();
    expect(Buffer.from(serialised, "base64").length).toBe(20_000 * 8);
    const index = new PathIndex(serialised);
    for (const p of paths) expect(index.has(p)).toBe(true);
    for (let i = 0; i < 20_000; i++) expect(index.has(`usr/lib/pkg-${i % 700}/other-${i}.txt`)).toBe(false);
    expect(index.has("")).toBe(false);
  });

  it("is empty for an empty layer", () => {
    const index = new PathIndex(new PathIndexBuilder().toString());
    expect(index.has("etc/passwd")).toBe(false);
  });
});
