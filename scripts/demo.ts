import { execFileSync, spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeOciLayout } from "../test/helpers/oci-builder.js";
import { startRegistry } from "../test/helpers/registry.js";
import { ubuntuSample } from "../test/helpers/sample-images.js";

/**
 * The README quick start: builds a sample Ubuntu image from real package databases, pushes it to a
 * real local OCI registry (Debian's docker-registry) with skopeo, and scans it by reference.
 */
const work = await mkdtemp(join(tmpdir(), "portcullis-demo-"));
const registry = await startRegistry();
try {
  const layout = join(work, "layout");
  const sample = await ubuntuSample("gzip");
  await writeOciLayout(layout, { layers: sample.layers, tag: "18.04" });
  const image = `${registry.host}/demo/ubuntu:18.04`;
  console.error(`demo: pushing a sample image to the local registry as ${image}`);
  execFileSync(
    "skopeo",
    ["copy", "--quiet", "--dest-tls-verify=false", `oci:${layout}:18.04`, `docker://${image}`],
    {
      stdio: "inherit",
    },
  );
  console.error(`demo: portcullis scan ${image}\n`);
  const cli = join(import.meta.dirname, "..", "dist", "cli", "main.js");
  const result = spawnSync(process.execPath, [cli, "scan", image, "--no-cache", ...process.argv.slice(2)], {
    stdio: "inherit",
  });
  process.exitCode = result.status ?? 2;
} finally {
  await registry.stop();
  await rm(work, { recursive: true, force: true });
}
