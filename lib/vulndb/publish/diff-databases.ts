import type { AdvisoryIndex } from "./advisory-index.js";

export interface EcosystemChanges {
  added: string[];
  modified: string[];
  removed: string[];
}

export interface DatabaseDiff {
  /** Distinct advisories, each counted once whatever the number of ecosystems it touches. */
  totals: { added: number; modified: number; removed: number };
  /** Per base ecosystem, ids sorted; an advisory touching two ecosystems is listed under both. */
  ecosystems: Record<string, EcosystemChanges>;
}

/**
 * What changed between two builds. Without a previous index (the first build, or an index lost)
 * every advisory counts as added: consumers then rescan everything, which is the safe reading.
 */
export function diffDatabases(previous: AdvisoryIndex | undefined, next: AdvisoryIndex): DatabaseDiff {
  const diff = new Map<string, EcosystemChanges>();
  const bucket = (ecosystem: string): EcosystemChanges => {
    let changes = diff.get(ecosystem);
    if (!changes) {
      changes = { added: [], modified: [], removed: [] };
      diff.set(ecosystem, changes);
    }
    return changes;
  };
  const totals = { added: 0, modified: 0, removed: 0 };
  for (const [id, entry] of next) {
    const before = previous?.get(id);
    if (!before) {
      totals.added++;
      for (const ecosystem of entry.ecosystems) bucket(ecosystem).added.push(id);
    } else if (before.digest !== entry.digest) {
      totals.modified++;
      // An advisory that moved ecosystems is news to both the old and the new ones.
      for (const ecosystem of new Set([...before.ecosystems, ...entry.ecosystems])) {
        bucket(ecosystem).modified.push(id);
      }
    }
  }
  for (const [id, entry] of previous ?? []) {
    if (next.has(id)) continue;
    totals.removed++;
    for (const ecosystem of entry.ecosystems) bucket(ecosystem).removed.push(id);
  }
  const ecosystems: Record<string, EcosystemChanges> = {};
  for (const ecosystem of [...diff.keys()].sort()) {
    const changes = diff.get(ecosystem) as EcosystemChanges;
    ecosystems[ecosystem] = {
      added: changes.added.sort(),
      modified: changes.modified.sort(),
      removed: changes.removed.sort(),
    };
  }
  return { totals, ecosystems };
}
