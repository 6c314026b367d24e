import { ZipError } from "../archive/zip-errors.js";
import { DEFAULT_ZIP_LIMITS, ZipBudget, type ZipLimits } from "../archive/zip-limits.js";
import { runSync, within, type ZipOp } from "../archive/zip-ops.js";
import {
  METHOD_STORED,
  readZipDirectory,
  readZipEntry,
  type ZipDirectory,
  type ZipEntry,
  zipEntryDataOffset,
} from "../archive/zip-reader.js";
import { BufferRandomAccess } from "../random-access.js";
import { createWarningCollector, type WarningCollector } from "../text-database.js";
import type { AnalyzerResult, PackageFinding } from "../types.js";
import { identifyJavaArchive } from "./identify-java-archive.js";
import { baseName, isJavaArchivePath } from "./java-archive-names.js";
import { type JarManifest, parseManifest } from "./parse-manifest.js";
import { type PomProperties, parsePomProperties } from "./parse-pom-properties.js";

/** pom.properties and MANIFEST.MF are a few KiB (log4j-core's manifest, among the biggest, 19 KiB). */
const MAX_METADATA_BYTES = 1024 * 1024;
/**
 * pom.properties read per file, nested archives included: fat jars carry a few hundred, so more
 * is a hostile archive whose only cost would be reads.
 */
const MAX_POMS_PER_FILE = 10_000;

interface JavaScan {
  budget: ZipBudget;
  warnings: WarningCollector;
  packages: PackageFinding[];
  seen: Set<string>;
  depthWarned: boolean;
  pomsRead: number;
  pomsSkipped: number;
}

/**
 * Every Maven artifact in a Java archive and in the archives nested in it (WEB-INF/lib in a WAR,
 * BOOT-INF/lib in a Spring Boot jar, modules and lib/ in an EAR), as one ZIP operation: run it
 * with `runSync` over bytes or `runAsync` over a spilled file. Problems become warnings; whatever
 * was found before a problem is kept.
 */
export function* scanJavaArchive(
  path: string,
  size: number,
  limits: ZipLimits = DEFAULT_ZIP_LIMITS,
): ZipOp<AnalyzerResult> {
  const scan: JavaScan = {
    budget: new ZipBudget(limits),
    warnings: createWarningCollector(),
    packages: [],
    seen: new Set(),
    depthWarned: false,
    pomsRead: 0,
    pomsSkipped: 0,
  };
  try {
    yield* scanArchive(scan, size, baseName(path), "", 0);
  } catch (err) {
    scan.warnings.warn(err instanceof Error ? err.message : String(err));
  }
  if (scan.pomsSkipped > 0) {
    scan.warnings.warn(`${scan.pomsSkipped} pom.properties beyond the first ${MAX_POMS_PER_FILE} not read`);
  }
  const warnings = scan.warnings.list();
  return warnings.length > 0 ? { packages: scan.packages, warnings } : { packages: scan.packages };
}

/** `where` locates a nested archive for warnings, Java-URL style: "lib/app.war!/WEB-INF/lib/x.jar". */
function* scanArchive(
  scan: JavaScan,
  size: number,
  fileName: string,
  where: string,
  depth: number,
): ZipOp<void> {
  const dir = yield* readZipDirectory(size, scan.budget);
  if (dir.invalidNames > 0) warn(scan, where, `${dir.invalidNames} entry name(s) are not valid UTF-8`);
  const poms: PomProperties[] = [];
  let manifest: JarManifest | undefined;
  const nested: ZipEntry[] = [];
  for (const entry of dir.entries) {
    if (entry.isDirectory) continue;
    if (isPomProperties(entry.name)) {
      if (scan.pomsRead >= MAX_POMS_PER_FILE) {
        scan.pomsSkipped++;
        continue;
      }
      scan.pomsRead++;
      const bytes = yield* readMetadata(scan, dir, entry, where);
      if (bytes) poms.push(parsePomProperties(bytes));
    } else if (manifest === undefined && entry.name.toUpperCase() === "META-INF/MANIFEST.MF") {
      const bytes = yield* readMetadata(scan, dir, entry, where);
      if (bytes) manifest = parseManifest(bytes);
    } else if (isJavaArchivePath(entry.name)) {
      nested.push(entry);
    }
  }
  for (const pkg of identifyJavaArchive({ fileName, poms, manifest })) {
    const key = `${pkg.name}\u0000${pkg.version}`;
    if (scan.seen.has(key)) continue;
    scan.seen.add(key);
    scan.packages.push(pkg);
  }
  for (const entry of nested) yield* scanNested(scan, dir, entry, where, depth);
}

function isPomProperties(name: string): boolean {
  return (
    name.endsWith("/pom.properties") &&
    (name.startsWith("META-INF/maven/") || name.includes("/META-INF/maven/"))
  );
}

/** A metadata file's bytes, or undefined (with a warning) when that one entry cannot be read. */
function* readMetadata(
  scan: JavaScan,
  dir: ZipDirectory,
  entry: ZipEntry,
  where: string,
): ZipOp<Buffer | undefined> {
  try {
    return yield* readZipEntry(dir, entry, scan.budget, MAX_METADATA_BYTES);
  } catch (err) {
    if (err instanceof ZipError && err.scope === "entry") {
      warn(scan, where, err.message);
      return undefined;
    }
    throw err;
  }
}

/**
 * A stored nested archive (Spring Boot requires them stored) is read in place through a window on
 * the outer source: nothing is copied, even from a spilled file. A deflated one is inflated into
 * memory under the entry and total caps, then read from there.
 */
function* scanNested(
  scan: JavaScan,
  dir: ZipDirectory,
  entry: ZipEntry,
  where: string,
  depth: number,
): ZipOp<void> {
  const here = where ? `${where}!/${entry.name}` : entry.name;
  const { maxDepth } = scan.budget.limits;
  if (depth + 1 > maxDepth) {
    if (!scan.depthWarned) warn(scan, here, `archives nested deeper than ${maxDepth} levels are not read`);
    scan.depthWarned = true;
    return;
  }
  try {
    const name = baseName(entry.name);
    if (
      entry.method === METHOD_STORED &&
      entry.compressedSize === entry.uncompressedSize &&
      !(entry.flags & 1)
    ) {
      const start = yield* zipEntryDataOffset(dir, entry);
      yield* within(scanArchive(scan, entry.compressedSize, name, here, depth + 1), start);
    } else {
      const bytes = yield* readZipEntry(dir, entry, scan.budget);
      runSync(scanArchive(scan, bytes.length, name, here, depth + 1), new BufferRandomAccess(bytes));
    }
  } catch (err) {
    if (err instanceof ZipError && err.scope !== "scan") {
      warn(scan, here, err.message);
      return;
    }
    throw err;
  }
}

function warn(scan: JavaScan, where: string, message: string): void {
  scan.warnings.warn(where ? `${where}: ${message}` : message);
}
