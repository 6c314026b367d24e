import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoNotificationDedup } from "../../../lib/aws/dynamo-notification-dedup.js";
import { type AwsEmulators, createTable, startAwsEmulators } from "../../helpers/aws-emulators.js";

let emulators: AwsEmulators;

beforeAll(async () => {
  emulators = await startAwsEmulators();
});
afterAll(async () => {
  await emulators?.stop();
});

async function freshStore(): Promise<DynamoNotificationDedup> {
  const client = emulators.dynamoClient();
  const name = `dedup-${Math.random().toString(36).slice(2)}`;
  await createTable(client, name);
  return new DynamoNotificationDedup(client, name);
}

describe("DynamoNotificationDedup", () => {
  const later = new Date(Date.now() + 3600_000);

  it("claims each key once, also when two deliveries race", async () => {
    const store = await freshStore();
    const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);
    const [a, b] = await Promise.all([store.claim(keys, later), store.claim(keys, later)]);
    expect(a.size + b.size).toBe(40);
    for (const key of keys) expect(a.has(key) !== b.has(key)).toBe(true);
    expect((await store.claim(keys, later)).size).toBe(0);
  });

  it("lets a released key be claimed again, and an expired one too", async () => {
    const store = await freshStore();
    await store.claim(["sent", "failed", "old"], later);
    await store.release(["failed"]);
    expect([...(await store.claim(["sent", "failed"], later))]).toEqual(["failed"]);
    const expired = await freshStore();
    await expired.claim(["old"], new Date(Date.now() - 10_000));
    expect([...(await expired.claim(["old"], later))]).toEqual(["old"]);
  });
});
