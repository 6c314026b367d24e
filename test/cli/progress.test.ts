import { describe, expect, it } from "vitest";
import { ProgressBar } from "../../cli/progress.js";

function fakeTty() {
  const writes: string[] = [];
  const stream = { write: (s: string) => writes.push(s) > 0, isTTY: true } as unknown as NodeJS.WriteStream;
  return { stream, writes };
}

describe("ProgressBar", () => {
  it("draws layers and bytes done, then clears its line", () => {
    const { stream, writes } = fakeTty();
    const bar = new ProgressBar(stream);
    bar.onProgress({
      kind: "resolved",
      layers: [
        { index: 0, size: 1024 * 1024 },
        { index: 1, size: 1024 * 1024 },
      ],
    });
    bar.onProgress({ kind: "layer-bytes", index: 0, bytes: 1024 * 1024 });
    bar.onProgress({ kind: "layer-done", index: 0, cached: false });
    bar.onProgress({ kind: "layer-done", index: 1, cached: true });
    const last = writes.at(-1) ?? "";
    expect(last).toContain("layers 2/2");
    expect(last).toContain("1.0 MiB/2.0 MiB");
    bar.finish();
    expect(writes.at(-1)).toBe("\r\u001b[2K");
  });

  it("throttles redraws for byte progress", () => {
    const { stream, writes } = fakeTty();
    const bar = new ProgressBar(stream);
    bar.onProgress({ kind: "resolved", layers: [{ index: 0, size: 1000 }] });
    const before = writes.length;
    for (let i = 0; i < 100; i++) bar.onProgress({ kind: "layer-bytes", index: 0, bytes: 1 });
    expect(writes.length - before).toBeLessThanOrEqual(1);
  });

  it("draws nothing when stderr is not a terminal", () => {
    const original = process.stderr.isTTY;
    Object.defineProperty(process.stderr, "isTTY", { value: false, configurable: true });
    try {
      expect(ProgressBar.forStderr()).toBeUndefined();
    } finally {
      Object.defineProperty(process.stderr, "isTTY", { value: original, configurable: true });
    }
  });
});
