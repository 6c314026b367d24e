import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Package } from "../lib/inventory/package.js";
import { findVulnerabilities } from "../lib/matching/find-vulnerabilities.js";
import type { Advisory } from "../lib/vulndb/advisory.js";
import { buildFromSources } from "../lib/vulndb/build-from-sources.js";
import { openDatabaseFile } from "../lib/vulndb/db/db-reader.js";
import { importSource } from "../lib/vulndb/importers/index.js";
import { mulberry32 } from "./generate-image.js";
import { MiB } from "./measure.js";

/**
 * Issue 5 targets: build a DB from everything in ../shared/data/osv and secdb (< 60 s); match an
 * inventory of 10,000 packages across ecosystems: cold open < 500 ms, warm match < 1 s; bytes read
 * per scan far below the DB size.
 */
const root = fileURLToPath(new URL("..", import.meta.url));
const data = join(root, "../shared/data");
const PACKAGES = 10_000;

const LANGUAGE: Record<string, string> = { Go: "golang", PyPI: "pypi", "crates.io": "cargo" };

export async function benchMatching(): Promise<void> {
  const dir = join(root, "bench/.cache/matching");
  await mkdir(dir, { recursive: true });
  const dbFile = join(dir, "shared-data.db");
  const started = performance.now();
  const { stats } = await buildFromSources(
    [{ path: join(data, "osv") }, { path: join(data, "secdb") }],
    dbFile,
  );
  const buildSeconds = (performance.now() - started) / 1000;

  // Real package names and versions from the advisories themselves, so matching does real work.
  const candidates: Array<{ ecosystem: string; name: string; version: string; alpine?: string }> = [];
  for await (const item of importSource(join(data, "osv"))) addCandidates(item.advisory, candidates);
  for await (const item of importSource(join(data, "secdb", "alpine-v3.11-main.yaml")))
    addCandidates(item.advisory, candidates);
  // One entry per package name, as in a real inventory (a package is installed once), cycling
  // through the names until there are enough.
  const byName = new Map<string, typeof candidates>();
  for (const c of candidates) {
    const key = `${c.ecosystem}/${c.name}`;
    byName.set(key, [...(byName.get(key) ?? []), c]);
  }
  const names = [...byName.values()];
  const random = mulberry32(5);
  const layer = { index: 0, diffID: "sha256:bench", digest: "sha256:bench" };
  const inventory: Package[] = Array.from({ length: PACKAGES }, (_, i) => {
    const versions = names[i % names.length] as typeof candidates;
    const c = versions[Math.floor(random() * versions.length)] as (typeof candidates)[number];
    return { ecosystem: c.ecosystem, name: c.name, version: c.version, layer, foundIn: "bench" };
  });
  const os = { family: "alpine", release: "3.11" };

  const coldStart = performance.now();
  const db = await openDatabaseFile(dbFile);
  const openMs = performance.now() - coldStart;
  const cold = await findVulnerabilities(inventory, os, db);
  const coldMs = performance.now() - coldStart;
  const bytesCold = db.bytesRead;
  const warmStart = performance.now();
  const warm = await findVulnerabilities(inventory, os, db);
  const warmMs = performance.now() - warmStart;
  const sample = inventory.slice(0, 300);
  const fresh = await openDatabaseFile(dbFile);
  await findVulnerabilities(sample, os, fresh);
  const imageBytes = fresh.bytesRead;
  await fresh.close();
  await db.close();

  console.log("## vulnerability DB and matching (issue 5)");
  console.log(
    `build from shared/data osv + secdb: ${stats.advisories} advisories in ${buildSeconds.toFixed(1)} s (target < 60 s), file ${(stats.fileSize / MiB).toFixed(2)} MiB`,
  );
  console.log(`cold open: ${openMs.toFixed(1)} ms (target < 500 ms)`);
  console.log(
    `cold open + match of ${PACKAGES} packages: ${coldMs.toFixed(0)} ms, ${cold.findings.length} findings`,
  );
  console.log(
    `warm match of ${PACKAGES} packages: ${warmMs.toFixed(0)} ms (target < 1000 ms), ${warm.findings.length} findings`,
  );
  console.log(
    `bytes read for ${PACKAGES} packages: ${(bytesCold / MiB).toFixed(2)} MiB of ${(db.size / MiB).toFixed(2)} MiB (${((100 * bytesCold) / db.size).toFixed(0)}%)`,
  );
  console.log(
    `bytes read for a 300-package image: ${(imageBytes / 1024).toFixed(0)} KiB of ${(db.size / MiB).toFixed(2)} MiB, ratio ${(imageBytes / db.size).toFixed(3)}`,
  );
  console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}

function addCandidates(
  advisory: Advisory | undefined,
  out: Array<{ ecosystem: string; name: string; version: string }>,
): void {
  for (const affected of advisory?.affected ?? []) {
    const pkg = affected.package;
    if (!pkg) continue;
    const ecosystem = pkg.ecosystem.startsWith("Alpine:v3.11") ? "apk" : LANGUAGE[pkg.ecosystem];
    if (!ecosystem) continue;
    for (const range of affected.ranges ?? []) {
      for (const event of range.events) {
        const version = "introduced" in event ? event.introduced : "fixed" in event ? event.fixed : undefined;
        if (version && version !== "0") out.push({ ecosystem, name: pkg.name, version });
      }
    }
  }
}
