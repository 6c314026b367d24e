import { createHash } from "node:crypto";
import { imageKey } from "../stores/scan-job.js";
import { type ChangedFinding, findingIdentity, type ImageChange, imageChange } from "./image-change.js";

/** Keys live this long: past it, a finding that is new again (e.g. after a revert) may be re-sent. */
export const DEFAULT_DEDUP_TTL_SECONDS = 90 * 24 * 60 * 60;

/**
 * Remembers which notifications went out. `claim` must be atomic per key (the DynamoDB version
 * will use a conditional put), so two deliveries of one event racing each other cannot both win.
 */
export interface NotificationDedupStore {
  /** Records the keys not already recorded and returns exactly those. */
  claim(keys: readonly string[], expiresAt: Date): Promise<Set<string>>;
  /** Forgets keys whose notification could not be handed to anyone, so a retry may send them. */
  release(keys: readonly string[]): Promise<void>;
}

/**
 * One key per destination, image and finding, hashed: package names come from the image and may
 * be kilobytes long, and a key must fit a DynamoDB partition key.
 */
export function dedupKey(
  destination: string,
  change: Pick<ImageChange, "image">,
  kind: "new" | "resolved",
  finding: ChangedFinding,
): string {
  const identity = JSON.stringify([destination, imageKey(change.image), kind, findingIdentity(finding)]);
  return createHash("sha256").update(identity).digest("hex");
}

export interface DedupResult {
  /** The change with only never-notified findings, or undefined when none is left. */
  change?: ImageChange;
  /** The keys claimed for it: release them if the message cannot be sent or dead-lettered. */
  keys: string[];
}

/** Drops the findings this destination was already told about for this image. */
export async function dedupChange(
  store: NotificationDedupStore,
  destination: string,
  change: ImageChange,
  options: { now?: Date; ttlSeconds?: number } = {},
): Promise<DedupResult> {
  const keyed = (kind: "new" | "resolved", list: readonly ChangedFinding[]) =>
    list.map((finding) => ({ finding, key: dedupKey(destination, change, kind, finding) }));
  const fresh = keyed("new", change.newFindings);
  const gone = keyed("resolved", change.resolvedFindings);
  const now = options.now ?? new Date();
  const expiresAt = new Date(now.getTime() + (options.ttlSeconds ?? DEFAULT_DEDUP_TTL_SECONDS) * 1000);
  // A finding listed twice in one change claims once.
  const keys = [...new Set([...fresh, ...gone].map((k) => k.key))];
  const claimed = keys.length > 0 ? await store.claim(keys, expiresAt) : new Set<string>();
  const once = new Set<string>();
  const keep = (list: typeof fresh) => {
    const kept: ChangedFinding[] = [];
    for (const { finding, key } of list) {
      if (!claimed.has(key) || once.has(key)) continue;
      once.add(key);
      kept.push(finding);
    }
    return kept;
  };
  const newFindings = keep(fresh);
  const resolvedFindings = keep(gone);
  if (newFindings.length === 0 && resolvedFindings.length === 0) return { keys: [...claimed] };
  const { counts: _, ...rest } = change;
  return { change: imageChange({ ...rest, newFindings, resolvedFindings }), keys: [...claimed] };
}

/** For tests and local runs: a map with expiry. */
export class InMemoryDedupStore implements NotificationDedupStore {
  private readonly entries = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  async claim(keys: readonly string[], expiresAt: Date): Promise<Set<string>> {
    const claimed = new Set<string>();
    const at = this.now();
    for (const key of keys) {
      const expiry = this.entries.get(key);
      if (expiry !== undefined && expiry > at) continue;
      this.entries.set(key, expiresAt.getTime());
      claimed.add(key);
    }
    return claimed;
  }

  async release(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
