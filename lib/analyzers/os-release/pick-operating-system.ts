import type { OperatingSystem } from "../../inventory/package.js";
import { OS_FILES_BY_PRECEDENCE } from "./os-release-paths.js";

export interface OsCandidate {
  /** The file the OS was read from, no leading slash. */
  path: string;
  os: OperatingSystem;
}

const RANK: ReadonlyMap<string, number> = new Map(OS_FILES_BY_PRECEDENCE.map((path, i) => [path, i]));

/** Fields a lower-precedence file of the same family may fill when the winner lacks them. */
const FILLABLE = ["versionId", "version", "codename", "name"] as const;

/**
 * Chooses the image's OS among what the os-release analyzer found in several files: etc/os-release
 * > usr/lib/os-release > specific release files > debian_version > lsb-release. Missing fields of
 * the winner (e.g. Debian testing's os-release has no VERSION_ID) are filled from the next files of
 * the same family, never from another family (Ubuntu's debian_version says "bookworm/sid").
 */
export function pickOperatingSystem(candidates: readonly OsCandidate[]): OperatingSystem | undefined {
  const ranked = candidates
    .map((candidate, order) => ({ candidate, order, rank: RANK.get(candidate.path) ?? RANK.size }))
    .sort((a, b) => a.rank - b.rank || a.order - b.order)
    .map(({ candidate }) => candidate.os);
  const [winner, ...rest] = ranked;
  if (winner === undefined) return undefined;
  const os: OperatingSystem = { ...winner };
  for (const other of rest) {
    if (other.family !== os.family) continue;
    for (const key of FILLABLE) {
      const value = other[key];
      if (os[key] === undefined && value !== undefined) os[key] = value;
    }
  }
  return os;
}
