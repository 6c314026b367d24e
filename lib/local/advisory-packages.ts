import type { AdvisoryChange } from "../rescan/affected-images.js";
import { scanAdvisories } from "../vulndb/db/db-reader.js";
import { openFileRangeSource } from "../vulndb/db/range-source.js";
import { type AdvisoryIndex, digestOf, ecosystemsOf } from "../vulndb/publish/advisory-index.js";
import type { DatabaseDiff } from "../vulndb/publish/diff-databases.js";

/** `affected[].package` of one advisory, as the advisory spells it ("Debian:12", "openssl"). */
export interface AffectedName {
  ecosystem: string;
  name: string;
}

/**
 * The publish diff's index of a DB build plus, per advisory, the packages it names: the diff says
 * which advisories changed, the package index is queried by package, so a local rescan needs both.
 */
export interface DatabaseAdvisories {
  index: AdvisoryIndex;
  packages: Map<string, AffectedName[]>;
}

export async function readDatabaseAdvisories(path: string): Promise<DatabaseAdvisories> {
  const index: AdvisoryIndex = new Map();
  const packages = new Map<string, AffectedName[]>();
  const source = await openFileRangeSource(path);
  try {
    for await (const advisory of scanAdvisories(source)) {
      index.set(advisory.id, { digest: digestOf(advisory), ecosystems: ecosystemsOf(advisory) });
      const names: AffectedName[] = [];
      for (const affected of advisory.affected ?? []) {
        const pkg = affected.package;
        if (pkg?.ecosystem && pkg.name) names.push({ ecosystem: pkg.ecosystem, name: pkg.name });
      }
      packages.set(advisory.id, names);
    }
  } finally {
    await source.close?.();
  }
  return { index, packages };
}

/**
 * The packages whose advisories the diff lists, grouped by ecosystem. A modified or removed
 * advisory counts with the packages of both builds: one that stopped naming a package can
 * resolve findings there.
 */
export function changedPackages(
  diff: DatabaseDiff,
  previous: DatabaseAdvisories | undefined,
  next: DatabaseAdvisories,
): AdvisoryChange[] {
  const ids = new Set<string>();
  for (const changes of Object.values(diff.ecosystems)) {
    for (const id of [...changes.added, ...changes.modified, ...changes.removed]) ids.add(id);
  }
  const byEcosystem = new Map<string, Set<string>>();
  for (const id of ids) {
    for (const { ecosystem, name } of [
      ...(previous?.packages.get(id) ?? []),
      ...(next.packages.get(id) ?? []),
    ]) {
      let names = byEcosystem.get(ecosystem);
      if (!names) {
        names = new Set();
        byEcosystem.set(ecosystem, names);
      }
      names.add(name);
    }
  }
  return [...byEcosystem].map(([ecosystem, names]) => ({ ecosystem, packages: [...names].sort() }));
}
