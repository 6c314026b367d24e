import { mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Advisory, Enrichment } from "../lib/vulndb/advisory.js";
import { openDatabaseFile } from "../lib/vulndb/db/db-reader.js";
import { buildDatabase } from "../lib/vulndb/db/db-writer.js";
import { packageKey } from "../lib/vulndb/db/package-key.js";
import { importSource } from "../lib/vulndb/importers/index.js";
import { mulberry32 } from "./generate-image.js";
import { MiB, median } from "./measure.js";

/**
 * Issue 5: the DB file is read by random access, so a scan should read a small fraction of it.
 * Builds a DB from every OSV export and secdb file in ../shared/data, then (to see the shape at
 * production size, ~10^5 advisories) from the same records repeated under renamed ids and
 * packages. Prints build time, size, cold open, lookup times and bytes read against the size.
 */
const root = fileURLToPath(new URL("..", import.meta.url));
const cacheDir = join(root, "bench/.cache/vulndb");
const data = join(root, "../shared/data");
const LOOKUPS = 10_000;
const SCAN_PACKAGES = 300;
const SCALE = Number(process.env.BENCH_VULNDB_SCALE ?? 20);

async function loadInput(): Promise<{ items: Array<Advisory | Enrichment>; warnings: number }> {
  const items: Array<Advisory | Enrichment> = [];
  let warnings = 0;
  for (const dir of ["osv", "secdb"]) {
    for await (const item of importSource(join(data, dir))) {
      if (item.advisory) items.push(item.advisory);
      else if (item.enrichment) items.push(item.enrichment);
      else warnings++;
    }
  }
  return { items, warnings };
}

/** Copy `n` of every advisory with its id and package names suffixed: same shape, more keys. */
function* scaled(items: Array<Advisory | Enrichment>, n: number): Generator<Advisory | Enrichment> {
  for (let copy = 0; copy < n; copy++) {
    for (const item of items) {
      if (!("id" in item) || copy === 0) {
        if (copy === 0) yield item;
        continue;
      }
      yield {
        ...item,
        id: `${item.id}-x${copy}`,
        affected: item.affected?.map((a) =>
          a.package ? { ...a, package: { ...a.package, name: `${a.package.name}-x${copy}` } } : a,
        ),
      };
    }
  }
}

function keysOf(items: Iterable<Advisory | Enrichment>): Array<[string, string]> {
  const keys = new Map<string, [string, string]>();
  for (const item of items) {
    if (!("id" in item) || item.withdrawn) continue;
    for (const affected of item.affected ?? []) {
      if (!affected.package) continue;
      const key = packageKey(affected.package.ecosystem, affected.package.name);
      keys.set(`${key.ecosystem}\u0000${key.name}`, [key.ecosystem, key.name]);
    }
  }
  return [...keys.values()];
}

async function measure(label: string, input: Array<Advisory | Enrichment>): Promise<void> {
  const out = join(cacheDir, `${label}.db`);
  const stats = await buildDatabase(input, out, { builtAt: new Date(), sources: [{ name: label }] });
  const size = (await stat(out)).size;
  const keys = keysOf(input);
  const random = mulberry32(42);
  const pick = () => keys[Math.floor(random() * keys.length)] as [string, string];
  console.log(
    `${label}: ${stats.advisories} advisories, ${keys.length} package keys, ${stats.enrichments} enrichments | build ${(stats.millis / 1000).toFixed(2)} s | file ${(size / MiB).toFixed(2)} MiB (records ${(stats.recordBytes / MiB).toFixed(1)} MiB as JSON, ${stats.blocks} blocks, ${stats.pages} index pages)`,
  );

  const opens: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const db = await openDatabaseFile(out);
    opens.push(performance.now() - started);
    await db.close();
  }
  const db = await openDatabaseFile(out);
  const openBytes = db.bytesRead;
  for (let i = 0; i < SCAN_PACKAGES; i++) {
    const [ecosystem, name] = pick();
    await db.advisoriesFor(ecosystem, name);
  }
  const scanBytes = db.bytesRead;
  console.log(
    `  cold open: median ${median(opens).toFixed(2)} ms, ${openBytes} bytes read | one scan of ${SCAN_PACKAGES} random packages: ${(scanBytes / 1024).toFixed(0)} KiB read = ${((100 * scanBytes) / size).toFixed(1)}% of the file`,
  );

  const lookup = async () => {
    const started = performance.now();
    let found = 0;
    for (let i = 0; i < LOOKUPS; i++) {
      const [ecosystem, name] = pick();
      found += (await db.advisoriesFor(ecosystem, name)).length;
    }
    return { ms: performance.now() - started, found };
  };
  const first = await lookup();
  const warm = await lookup();
  console.log(
    `  ${LOOKUPS} random lookups: first pass ${first.ms.toFixed(0)} ms (${((1000 * first.ms) / LOOKUPS).toFixed(0)} µs each), warm ${warm.ms.toFixed(0)} ms (${((1000 * warm.ms) / LOOKUPS).toFixed(0)} µs each, ${warm.found} advisories parsed) | ${(db.bytesRead / MiB).toFixed(2)} MiB read in all = ${((100 * db.bytesRead) / size).toFixed(0)}% of the file`,
  );
  await db.close();
}

export async function benchVulnDb(): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  console.log("## vulnerability DB (build, open, lookups, bytes read)");
  const { items, warnings } = await loadInput();
  console.log(`input: ${items.length} records from ${data}/{osv,secdb} (${warnings} import warnings)`);
  await measure("shared-data", items);
  if (SCALE > 1) await measure(`shared-data-x${SCALE}`, [...scaled(items, SCALE)]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchVulnDb();
