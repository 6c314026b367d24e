import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildFromSources } from "../../lib/vulndb/build-from-sources.js";
import { openDatabaseFile, type VulnDb } from "../../lib/vulndb/db/db-reader.js";
import { type AwsEmulators, startAwsEmulators } from "../helpers/aws-emulators.js";

const fixtures = fileURLToPath(new URL("../fixtures/rescan/", import.meta.url));

/** What every rescan test needs: dynalite and s3rver, a work directory, DBs built from the fixtures. */
export interface RescanEnv {
  emulators: AwsEmulators;
  work: string;
  /** Builds `<work>/<name>.db` from rescan fixture advisories and opens it; closed by `stop`. */
  buildDb(name: string, files: string[], builtAt: string): Promise<VulnDb>;
  stop(): Promise<void>;
}

export async function startRescanEnv(prefix: string): Promise<RescanEnv> {
  const emulators = await startAwsEmulators();
  const work = await mkdtemp(join(tmpdir(), prefix));
  const opened: VulnDb[] = [];
  return {
    emulators,
    work,
    async buildDb(name, files, builtAt) {
      const out = join(work, `${name}.db`);
      await buildFromSources(
        files.map((f) => ({ path: join(fixtures, f) })),
        out,
        { builtAt: new Date(builtAt) },
      );
      const db = await openDatabaseFile(out);
      opened.push(db);
      return db;
    },
    async stop() {
      for (const db of opened) await db.close().catch(() => {});
      await emulators.stop();
      await rm(work, { recursive: true, force: true });
    },
  };
}
