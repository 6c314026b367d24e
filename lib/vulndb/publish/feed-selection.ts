import { defaultFeeds, OSV_ECOSYSTEMS, PUBLISHED_MIRRORS, withMirrors } from "../update/default-feeds.js";
import type { FeedSpec } from "../update/download-feeds.js";

export interface FeedSelection {
  /** Mirror base URLs, tried in order before the publishers' own locations. */
  mirrors: readonly string[];
  /** OSV ecosystems in use; absent means every one the default DB covers. */
  ecosystems?: readonly string[];
  /** Only the mirrors: for accounts without internet egress, and for tests. */
  mirrorsOnly?: boolean;
}

/** The feeds one update downloads: the OSV exports of the ecosystems in use plus the shared feeds. */
export function selectFeeds(selection: FeedSelection): FeedSpec[] {
  const unknown = (selection.ecosystems ?? []).filter(
    (ecosystem) => !(OSV_ECOSYSTEMS as readonly string[]).includes(ecosystem),
  );
  if (unknown.length > 0) {
    throw new RangeError(
      `unknown OSV ecosystems: ${unknown.join(", ")} (known: ${OSV_ECOSYSTEMS.join(", ")})`,
    );
  }
  if (selection.mirrorsOnly && selection.mirrors.length === 0) {
    throw new RangeError("mirrors-only feeds need at least one mirror");
  }
  const none = { osv: [], debianTracker: [], kev: [], epss: [], secdb: [], nvd: [] };
  const feeds = defaultFeeds(
    withMirrors(selection.mirrors, selection.mirrorsOnly ? none : PUBLISHED_MIRRORS),
  );
  const wanted = selection.ecosystems ? new Set(selection.ecosystems.map((e) => `osv:${e}`)) : undefined;
  return feeds.filter((feed) => !wanted || !feed.name.startsWith("osv:") || wanted.has(feed.name));
}

/** "a, b c" → ["a", "b", "c"]: an environment variable holding a list. */
export function splitList(value: string | undefined): string[] {
  return (value ?? "")
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter((item) => item !== "");
}
