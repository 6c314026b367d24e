import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BufferRandomAccess,
  FileRandomAccess,
  withFileRandomAccess,
} from "../../lib/analyzers/random-access.js";

let dir: string;
const bytes = Buffer.from("0123456789abcdef");

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "random-access-"));
  await writeFile(join(dir, "f"), bytes);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("BufferRandomAccess", () => {
  it("reads ranges synchronously and asynchronously", async () => {
    const source = new BufferRandomAccess(bytes);
    expect(source.size).toBe(16);
    expect(source.readSync(10, 6).toString()).toBe("abcdef");
    expect((await source.read(0, 3)).toString()).toBe("012");
    expect(source.readSync(16, 0)).toHaveLength(0);
  });

  it("refuses ranges outside the bytes", () => {
    const source = new BufferRandomAccess(bytes);
    expect(() => source.readSync(10, 7)).toThrow(RangeError);
    expect(() => source.readSync(-1, 1)).toThrow(RangeError);
    expect(() => source.readSync(0.5, 1)).toThrow(RangeError);
  });
});

describe("FileRandomAccess", () => {
  it("reads ranges of a file and closes it", async () => {
    const source = await FileRandomAccess.open(join(dir, "f"));
    try {
      expect(source.size).toBe(16);
      expect((await source.read(4, 4)).toString()).toBe("4567");
      await expect(source.read(12, 5)).rejects.toThrow(RangeError);
    } finally {
      await source.close();
    }
  });

  it("closes the file even when the work fails", async () => {
    await expect(
      withFileRandomAccess(join(dir, "f"), async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await withFileRandomAccess(join(dir, "f"), async (s) => (await s.read(15, 1)).toString())).toBe(
      "f",
    );
  });
});
