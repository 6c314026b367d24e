import type { PackageIndexReader } from "../aws/dynamo-package-index.js";

/** Packages whose advisories a DB update added, changed or withdrew, by OSV ecosystem. */
export interface AdvisoryChange {
  /** As advisories spell it: "Debian:12", "Alpine:v3.19", "npm", "PyPI" ... */
  ecosystem: string;
  packages: readonly string[];
}

export interface AffectedImagesOptions {
  /** Index queries in flight at once: enough to hide latency, few enough not to throttle. */
  concurrency?: number;
}

/**
 * The stored images a DB update can change: every image indexed under a changed package, each
 * once, in first-seen order. Only these need a re-match; the rest keep their findings.
 */
export async function affectedImages(
  changes: readonly AdvisoryChange[],
  index: PackageIndexReader,
  options: AffectedImagesOptions = {},
): Promise<string[]> {
  const queries = [
    ...new Map(
      changes.flatMap((c) => c.packages.map((name) => [`${c.ecosystem}\u0000${name}`, { ...c, name }])),
    ).values(),
  ];
  const results: string[][] = new Array(queries.length);
  let next = 0;
  const worker = async () => {
    while (next < queries.length) {
      const i = next++;
      const query = queries[i];
      if (query) results[i] = await index.imagesWith(query.ecosystem, query.name);
    }
  };
  const concurrency = Math.max(1, options.concurrency ?? 8);
  await Promise.all(Array.from({ length: Math.min(concurrency, queries.length) }, worker));
  return [...new Set(results.flat())];
}
