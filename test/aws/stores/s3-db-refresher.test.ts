import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3DbRefresher } from "../../../lib/aws/s3-db-refresher.js";
import { S3RangeSource } from "../../../lib/aws/s3-range-source.js";
import { silentLogger } from "../../../lib/logger.js";
import { buildFromSources } from "../../../lib/vulndb/build-from-sources.js";
import { openDatabase } from "../../../lib/vulndb/db/db-reader.js";
import { type AwsEmulators, startAwsEmulators } from "../../helpers/aws-emulators.js";

const fixtures = fileURLToPath(new URL("../../fixtures/rescan/", import.meta.url));
let emulators: AwsEmulators;
let work: string;

beforeAll(async () => {
  emulators = await startAwsEmulators(["db-bucket"]);
  work = await mkdtemp(join(tmpdir(), "portcullis-refresh-"));
});
afterAll(async () => {
  await emulators?.stop();
  await rm(work, { recursive: true, force: true });
});

async function publish(name: string, builtAt: string): Promise<void> {
  const out = join(work, `${name}.db`);
  await buildFromSources([{ path: join(fixtures, "lodash-ghsa.json") }], out, { builtAt: new Date(builtAt) });
  await emulators
    .s3Client()
    .send(new PutObjectCommand({ Bucket: "db-bucket", Key: "db/portcullis.db", Body: await readFile(out) }));
}

describe("S3DbRefresher", () => {
  it("keeps the open DB between checks and reopens when the published key changed", async () => {
    const s3 = emulators.s3Client();
    await publish("v1", "2026-01-01T00:00:00Z");
    let clock = 0;
    let opens = 0;
    const refresher = new S3DbRefresher(s3, {
      bucket: "db-bucket",
      key: "db/portcullis.db",
      open: async () => {
        opens += 1;
        return openDatabase(await S3RangeSource.open(s3, { bucket: "db-bucket", key: "db/portcullis.db" }));
      },
      checkEveryMs: 60_000,
      now: () => clock,
      logger: silentLogger,
    });
    expect((await refresher.current()).metadata.builtAt).toBe("2026-01-01T00:00:00.000Z");
    await publish("v2", "2026-02-01T00:00:00Z");
    clock = 30_000; // too soon to ask S3 again
    expect((await refresher.current()).metadata.builtAt).toBe("2026-01-01T00:00:00.000Z");
    clock = 61_000;
    expect((await refresher.current()).metadata.builtAt).toBe("2026-02-01T00:00:00.000Z");
    clock = 200_000; // unchanged: no reopen
    await refresher.current();
    expect(opens).toBe(2);
  });
});
