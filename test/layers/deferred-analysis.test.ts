import { describe, expect, it } from "vitest";
import { DeferredAnalysis } from "../../lib/layers/deferred-analysis.js";

describe("DeferredAnalysis", () => {
  it("runs tasks in order, lets the caller go on under the cap and holds it back over the cap", async () => {
    const queue = new DeferredAnalysis(10);
    const done: number[] = [];
    const task = (n: number) => async () => {
      done.push(n);
    };
    let firstReleased = false;
    queue.add(6, task(1)).then(() => {
      firstReleased = true;
    });
    let secondReleased = false;
    const second = queue.add(6, task(2)).then(() => {
      secondReleased = true;
    });
    await Promise.resolve();
    expect(firstReleased).toBe(true);
    // 12 bytes queued > 10: the walk waits until the queue shrinks.
    expect(secondReleased).toBe(false);
    await second;
    expect(done.length).toBeGreaterThanOrEqual(1);
    await queue.settle();
    expect(done).toEqual([1, 2]);
  });

  it("keeps going after a task fails and settles with nothing queued", async () => {
    const queue = new DeferredAnalysis(1024);
    const done: string[] = [];
    await queue.add(1, async () => {
      throw new Error("boom");
    });
    await queue.add(1, async () => {
      done.push("after");
    });
    await queue.settle();
    expect(done).toEqual(["after"]);
    await queue.settle();
  });
});
