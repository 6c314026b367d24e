import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDigestBuffer } from "../../../lib/aws/dynamo-digest-buffer.js";
import { type AwsEmulators, createTable, startAwsEmulators } from "../../helpers/aws-emulators.js";
import { changeOf } from "../../notify/changes.js";
import { finding, manyFindings } from "../../notify/findings.js";

let emulators: AwsEmulators;

beforeAll(async () => {
  emulators = await startAwsEmulators();
});
afterAll(async () => {
  await emulators?.stop();
});

describe("DynamoDigestBuffer", () => {
  it("holds changes per destination and window until removed, across buffer instances", async () => {
    const client = emulators.dynamoClient();
    await createTable(client, "digests");
    const first = new DynamoDigestBuffer(client, "digests");
    const w1 = new Date("2026-11-28T10:00:00.000Z");
    const w2 = new Date("2026-11-28T11:00:00.000Z");
    await first.add("slack:team", w1, changeOf([finding("CVE-2026-1", "HIGH")]));
    await first.add("slack:team", w1, changeOf(manyFindings(60)));
    await first.add("slack:team", w2, changeOf([finding("CVE-2026-3", "LOW")]));
    await first.add("slack:other", w1, changeOf([finding("CVE-2026-4", "LOW")]));

    // Another invocation (a fresh buffer object) sees the same windows.
    const second = new DynamoDigestBuffer(client, "digests");
    const due = await second.due("slack:team", new Date("2026-11-28T11:00:00.000Z"));
    expect(due.map((w) => [w.windowStart.toISOString(), w.changes.length])).toEqual([
      ["2026-11-28T10:00:00.000Z", 2],
    ]);
    // Big changes are kept short, their counts whole.
    const big = due[0]?.changes.find((c) => c.counts.new.CRITICAL + c.counts.new.HIGH > 2);
    expect(big?.newFindings.length).toBe(20);

    await second.remove("slack:team", w1);
    expect(await second.due("slack:team", new Date("2026-11-28T12:00:00.000Z"))).toMatchObject([
      { windowStart: w2, changes: [expect.anything()] },
    ]);
    expect(await second.due("slack:other", new Date("2026-11-28T12:00:00.000Z"))).toHaveLength(1);
  });
});
