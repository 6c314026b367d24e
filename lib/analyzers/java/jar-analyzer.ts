import { runAsync, runSync } from "../archive/zip-ops.js";
import { BufferRandomAccess, withFileRandomAccess } from "../random-access.js";
import type { Analyzer, AnalyzerResult } from "../types.js";
import { isJavaArchivePath } from "./java-archive-names.js";
import { scanJavaArchive } from "./scan-java-archive.js";

const MiB = 1024 * 1024;
/** The smallest ZIP archive: an empty one, just its end record. */
const MIN_ZIP_SIZE = 22;

/**
 * JAR, WAR, EAR and Jenkins plugin (JPI/HPI) archives, with the archives nested in them: Maven
 * artifacts from pom.properties, else MANIFEST.MF and the file name (see identifyJavaArchive).
 * Small archives arrive as bytes; big ones (fat jars, WARs) are spilled and read by random access,
 * so only the central directory and the few entries that matter are ever in memory.
 *
 * Follow-up: the path inside the archive a nested artifact came from is not recorded; `foundIn`
 * names the outermost archive.
 */
export const jarAnalyzer: Analyzer = {
  name: "jar",
  version: 1,
  maxFileSize: 512 * MiB,
  spillAbove: 16 * MiB,
  required(path: string, size: number): boolean {
    return size >= MIN_ZIP_SIZE && isJavaArchivePath(path);
  },
  analyze({ path, bytes }): AnalyzerResult {
    return runSync(scanJavaArchive(path, bytes.length), new BufferRandomAccess(bytes));
  },
  analyzeFile({ path, file }): Promise<AnalyzerResult> {
    return withFileRandomAccess(file, (source) => runAsync(scanJavaArchive(path, source.size), source));
  },
};
