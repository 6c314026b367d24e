import { execFileSync, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildFromSources } from "../lib/vulndb/build-from-sources.js";
import { buildLayer, writeOciLayout } from "../test/helpers/oci-builder.js";
import { startRegistry } from "../test/helpers/registry.js";
import { ubuntuSample } from "../test/helpers/sample-images.js";

/**
 * The README quick start, with no cloud account and no network: builds a sample Ubuntu image from
 * real package databases (plus a pip-installed requests 2.28.1), pushes it to a real local OCI
 * registry (Debian's docker-registry) with skopeo, builds a vulnerability DB from the advisory
 * files shipped in test/fixtures, and scans the image by reference.
 */
const root = join(import.meta.dirname, "..");
const fixtures = join(root, "test", "fixtures");
const work = await mkdtemp(join(tmpdir(), "portcullis-demo-"));
const registry = await startRegistry();
try {
  const layout = join(work, "layout");
  const sample = await ubuntuSample("gzip");
  const app = await buildLayer(
    [
      {
        path: "usr/local/lib/python3.6/dist-packages/requests-2.28.1.egg-info/PKG-INFO",
        content: await readFile(
          join(fixtures, "python/debian/usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO"),
        ),
      },
    ],
    "gzip",
  );
  await writeOciLayout(layout, { layers: [...sample.layers, app], tag: "18.04" });
  const image = `${registry.host}/demo/ubuntu:18.04`;
  console.error(`demo: pushing a sample image to the local registry as ${image}`);
  execFileSync(
    "skopeo",
    ["copy", "--quiet", "--dest-tls-verify=false", `oci:${layout}:18.04`, `docker://${image}`],
    {
      stdio: "inherit",
    },
  );

  const db = join(work, "demo.db");
  const built = await buildFromSources(
    [
      { path: join(fixtures, "advisories", "osv") },
      { path: join(fixtures, "advisories", "ubuntu-osv") },
      { path: join(fixtures, "advisories", "secdb") },
      { path: join(fixtures, "advisories", "enrichment") },
    ],
    db,
  );
  console.error(
    `demo: vulnerability DB built from the bundled advisory files (${built.stats.advisories} advisories)`,
  );
  console.error(`demo: portcullis scan ${image} --db <demo DB>\n`);
  const cli = join(root, "dist", "cli", "main.js");
  const result = spawnSync(
    process.execPath,
    [cli, "scan", image, "--no-cache", "--db", db, ...process.argv.slice(2)],
    {
      stdio: "inherit",
    },
  );
  process.exitCode = result.status ?? 2;
} finally {
  await registry.stop();
  await rm(work, { recursive: true, force: true });
}
