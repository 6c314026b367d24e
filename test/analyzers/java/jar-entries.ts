import { ZipBudget } from "../../../lib/analyzers/archive/zip-limits.js";
import { runSync } from "../../../lib/analyzers/archive/zip-ops.js";
import { readZipDirectory, readZipEntry } from "../../../lib/analyzers/archive/zip-reader.js";
import { BufferRandomAccess } from "../../../lib/analyzers/random-access.js";
import { readFixture } from "../fixtures.js";

/** One entry of a jar under test/fixtures/java, read with the reader under test. */
export function readJarEntry(jar: string, name: string): Buffer {
  const bytes = readFixture("java", jar);
  const source = new BufferRandomAccess(bytes);
  const budget = new ZipBudget();
  const dir = runSync(readZipDirectory(bytes.length, budget), source);
  const entry = dir.entries.find((e) => e.name === name);
  if (!entry) throw new Error(`${jar} has no ${name}`);
  return runSync(readZipEntry(dir, entry, budget), source);
}
