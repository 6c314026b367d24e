import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildFromSources } from "../../lib/vulndb/build-from-sources.js";
import { openDatabaseFile, type VulnDb } from "../../lib/vulndb/db/db-reader.js";

const fixtures = fileURLToPath(new URL("../fixtures/rescan/", import.meta.url));

/** Builds `<dir>/<name>.db` from the rescan fixture advisories and opens it. */
export async function buildRescanDb(
  dir: string,
  name: string,
  files: string[],
  builtAt: string,
): Promise<VulnDb> {
  const out = join(dir, `${name}.db`);
  await buildFromSources(
    files.map((f) => ({ path: join(fixtures, f) })),
    out,
    { builtAt: new Date(builtAt) },
  );
  return openDatabaseFile(out);
}
