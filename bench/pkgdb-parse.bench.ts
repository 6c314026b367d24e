import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseDpkgStatus } from "../lib/analyzers/dpkg/parse-dpkg-status.js";
import { parseRpmDatabase } from "../lib/analyzers/rpm/parse-rpm-database.js";
import { MiB, median, timeNode } from "./measure.js";

/**
 * Issue target: parsing a ~1,000-package package database takes under 200 ms on this machine, for
 * an rpm sqlite database and a dpkg status file alike. Each database is parsed in a fresh child
 * process (cold first run, then the median after a warm-up) so the peak RSS is the parser's alone;
 * a child that only reads the file gives the RSS baseline.
 */
const root = fileURLToPath(new URL("..", import.meta.url));
const cacheDir = join(root, "bench/.cache/pkgdb");
const TARGET_MS = 200;
const WARM_RUNS = 15;
const COPIES_OF_MARINER = 8; // 129 headers each: 1,032 packages

type Kind = "rpm" | "dpkg" | "read-only";

interface ChildReport {
  packages: number;
  coldMs: number;
  /** Peak RSS of the child right after its first parse: node, the file, and one parse's memory. */
  coldPeakRssBytes: number;
  warmMs: number[];
}

export async function benchPkgdbParse(): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  const rpmDb = await buildRpmDatabase();
  const status = await buildDpkgStatus();

  console.log("## package database parse (1,000 packages)");
  for (const [label, kind, file] of [
    ["rpm sqlite", "rpm", rpmDb],
    ["dpkg status", "dpkg", status],
  ] as const) {
    const size = (await stat(file)).size;
    const baseline = await runChild("read-only", file);
    const measured = await runChild(kind, file);
    const warm = median(measured.report.warmMs);
    const once = measured.report.coldPeakRssBytes / MiB;
    const base = baseline.report.coldPeakRssBytes / MiB;
    console.log(
      `${label}: ${measured.report.packages} packages, ${(size / MiB).toFixed(1)} MiB file | cold first parse ${measured.report.coldMs.toFixed(1)} ms | median ${warm.toFixed(1)} ms over ${WARM_RUNS} warm runs`,
    );
    console.log(
      `  peak RSS after one parse ${once.toFixed(0)} MiB (node + file alone ${base.toFixed(0)} MiB: parser +${(once - base).toFixed(0)} MiB); after all ${WARM_RUNS + 4} parses ${(measured.maxRssBytes / MiB).toFixed(0)} MiB`,
    );
    console.log(
      `  ratio to the ${TARGET_MS} ms target: cold ${(measured.report.coldMs / TARGET_MS).toFixed(2)}x, warm ${(warm / TARGET_MS).toFixed(3)}x (target < 1x)`,
    );
  }
}

async function runChild(kind: Kind, file: string): Promise<{ report: ChildReport; maxRssBytes: number }> {
  const out = join(tmpdir(), `portcullis-pkgdb-bench-${process.pid}-${kind}.json`);
  const self = fileURLToPath(import.meta.url);
  const m = await timeNode(["--import", "tsx", self, "--child", kind, file, out]);
  const report = JSON.parse(await readFile(out, "utf8")) as ChildReport;
  await rm(out, { force: true });
  return { report, maxRssBytes: m.maxRssBytes ?? 0 };
}

/** In the child: time the parser on one file and write the numbers where the parent reads them. */
async function child(kind: Kind, file: string, out: string): Promise<void> {
  const bytes = await readFile(file);
  const parse = (): number => {
    if (kind === "rpm") return parseRpmDatabase(bytes).packages.length;
    if (kind === "dpkg") return parseDpkgStatus(bytes).packages.length;
    return 0;
  };
  let started = performance.now();
  const packages = parse();
  const coldMs = performance.now() - started;
  const coldPeakRssBytes = process.resourceUsage().maxRSS * 1024;
  for (let i = 0; i < 3; i++) parse();
  const warmMs: number[] = [];
  for (let i = 0; i < (kind === "read-only" ? 0 : WARM_RUNS); i++) {
    started = performance.now();
    parse();
    warmMs.push(performance.now() - started);
  }
  await writeFile(out, JSON.stringify({ packages, coldMs, coldPeakRssBytes, warmMs } satisfies ChildReport));
}

/**
 * 1,032 packages: the CBL-Mariner rpmdb's 129 header blobs inserted 8 times into a fresh Packages
 * table by sqlite3, with rpm's schema and 4 KiB pages (most blobs overflow, as in real databases).
 * Only the Packages table: the parser never reads rpm's index tables.
 */
async function buildRpmDatabase(): Promise<string> {
  const out = join(cacheDir, `rpmdb-${COPIES_OF_MARINER * 129}.sqlite`);
  if (existsSync(out)) return out;
  const source = findData("pkgdb/rpm/go-rpmdb-cbl-mariner-2.0.rpmdb.sqlite");
  // Attach a copy: sqlite3 would put -wal/-shm files beside a WAL-mode original.
  const copy = join(cacheDir, "mariner-source.sqlite");
  await copyFile(source, copy);
  const tmp = `${out}.tmp`;
  await rm(tmp, { force: true });
  const inserts = Array.from(
    { length: COPIES_OF_MARINER },
    () => "INSERT INTO Packages(blob) SELECT blob FROM s.Packages;",
  );
  try {
    execFileSync("sqlite3", [
      tmp,
      "PRAGMA page_size=4096;",
      "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);",
      `ATTACH '${copy}' AS s;`,
      ...inserts,
      "DETACH s;",
    ]);
  } catch (err) {
    throw new Error(
      "pkgdb-parse needs the sqlite3 CLI (apt-get install sqlite3; scripts/ensure-deps.sh does)",
      {
        cause: err,
      },
    );
  }
  await rm(copy, { force: true });
  await copyFile(tmp, out);
  await rm(tmp, { force: true });
  return out;
}

/** ~1,000 installed stanzas: the real status files' stanzas repeated with renamed packages. */
async function buildDpkgStatus(): Promise<string> {
  const out = join(cacheDir, "status-1000");
  if (existsSync(out)) return out;
  const dir = findData("pkgdb/dpkg");
  const stanzas: string[] = [];
  for (const name of (await readdir(dir))
    .filter((f) => f.endsWith(".status") && !f.includes("vcpkg"))
    .sort()) {
    const text = (await readFile(join(dir, name), "utf8")).replace(/\r\n?/g, "\n");
    for (const stanza of text.split(/\n\s*\n/)) {
      if (/^Status: .* installed$/m.test(stanza)) stanzas.push(stanza.trim());
    }
  }
  const picked: string[] = [];
  for (let copy = 0; picked.length < 1000; copy++) {
    for (const stanza of stanzas) {
      if (picked.length >= 1000) break;
      picked.push(copy === 0 ? stanza : stanza.replace(/^Package: (.+)$/m, `Package: $1-copy${copy}`));
    }
  }
  await writeFile(out, `${picked.join("\n\n")}\n`);
  return out;
}

/** The shared data pack when it is beside the repo, else the committed fixture copy. */
function findData(relative: string): string {
  for (const base of [join(root, "../shared/data"), join(root, "test/fixtures")]) {
    const path = join(base, relative);
    if (existsSync(path)) return path;
  }
  throw new Error(`bench data ${relative} not found`);
}

if (process.argv[2] === "--child") {
  await child(process.argv[3] as Kind, process.argv[4] as string, process.argv[5] as string);
}
