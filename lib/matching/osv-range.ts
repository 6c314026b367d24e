import type { Affected, Range, RangeEvent } from "../vulndb/advisory.js";

export type Compare = (a: string, b: string) => number;

export interface AffectedVerdict {
  affected: boolean;
  /** Fixed versions above the installed one in the ranges that include it, lowest first. */
  fixedVersions: string[];
}

/**
 * OSV evaluation (schema 1.6, "Evaluation"): a version is affected by an `affected` entry when it
 * is listed in `versions`, or falls in a SEMVER/ECOSYSTEM range: at or after an `introduced`, before
 * the next `fixed`, at or before a `last_affected`, below any `limit`. GIT ranges only count
 * through the `versions` they enumerate.
 */
export function evaluateAffected(version: string, affected: Affected, compare: Compare): AffectedVerdict {
  const fixedVersions = new Set<string>();
  let hit = (affected.versions ?? []).some(
    (listed) => listed === version || safeCompare(compare, listed, version) === 0,
  );
  for (const range of affected.ranges ?? []) {
    if (range.type !== "SEMVER" && range.type !== "ECOSYSTEM") continue;
    if (!inRange(version, range, compare)) continue;
    hit = true;
    for (const fixed of fixedAbove(version, range, compare)) fixedVersions.add(fixed);
  }
  return { affected: hit, fixedVersions: [...fixedVersions].sort((a, b) => safeCompare(compare, a, b)) };
}

interface Event {
  kind: "introduced" | "fixed" | "last_affected" | "limit";
  version: string;
}

function eventsOf(range: Range): Event[] {
  const events: Event[] = [];
  for (const e of range.events as RangeEvent[]) {
    if ("introduced" in e) events.push({ kind: "introduced", version: e.introduced });
    else if ("fixed" in e) events.push({ kind: "fixed", version: e.fixed });
    else if ("last_affected" in e) events.push({ kind: "last_affected", version: e.last_affected });
    else if ("limit" in e) events.push({ kind: "limit", version: e.limit });
  }
  return events;
}

/** "0" is below every version; ties put `introduced` first so `fixed` at the same version wins. */
function sortEvents(events: Event[], compare: Compare): Event[] {
  const rank = (e: Event) => (e.kind === "introduced" ? 0 : 1);
  return [...events].sort((a, b) => {
    if (a.version === "0" && a.kind === "introduced")
      return b.version === "0" && b.kind === "introduced" ? 0 : -1;
    if (b.version === "0" && b.kind === "introduced") return 1;
    return safeCompare(compare, a.version, b.version) || rank(a) - rank(b);
  });
}

function inRange(version: string, range: Range, compare: Compare): boolean {
  const events = sortEvents(eventsOf(range), compare);
  for (const e of events) {
    if (e.kind === "limit" && e.version !== "*" && safeCompare(compare, version, e.version) >= 0)
      return false;
  }
  let included = false;
  for (const e of events) {
    if (e.kind === "introduced") {
      if (e.version === "0" || safeCompare(compare, version, e.version) >= 0) included = true;
    } else if (e.kind === "fixed") {
      if (safeCompare(compare, version, e.version) >= 0) included = false;
    } else if (e.kind === "last_affected") {
      if (safeCompare(compare, version, e.version) > 0) included = false;
    }
  }
  return included;
}

function fixedAbove(version: string, range: Range, compare: Compare): string[] {
  return eventsOf(range)
    .filter((e) => e.kind === "fixed" && safeCompare(compare, e.version, version) > 0)
    .map((e) => e.version);
}

/** A comparator that throws on garbage must not abort matching of the whole image. */
function safeCompare(compare: Compare, a: string, b: string): number {
  try {
    return compare(a, b);
  } catch {
    return a < b ? -1 : a > b ? 1 : 0;
  }
}
