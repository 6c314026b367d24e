import type { ImageActivityReader } from "../aws/dynamo-image-activity.js";
import type { PackageIndexReader } from "../aws/dynamo-package-index.js";
import type { VulnDb } from "../vulndb/db/db-reader.js";
import type { DbUpdatedDetail } from "../vulndb/publish/db-updated-event.js";
import { type AdvisoryChange, affectedImages } from "./affected-images.js";
import { planFullRematch } from "./full-rematch-plan.js";
import { type RematchMessage, rematchMessages } from "./rematch-message.js";

export interface DbUpdatePlanDeps {
  /** The new DB build (the one the event announces). */
  db: VulnDb;
  index: PackageIndexReader;
  activity: ImageActivityReader;
  now: Date;
  batchSize?: number;
}

export interface DbUpdatePlan {
  /** "affected": only images indexed under a changed package; "full": every recently used image. */
  mode: "affected" | "full";
  why: string;
  messages: RematchMessage[];
}

/** Advisory lookups in flight at once. */
const LOOKUPS = 8;

/**
 * Which stored images a DB update can change. The event names the advisories added or modified;
 * the new DB says which packages they cover; the package index says which images hold those. When
 * the event cannot say enough (lists cut to fit, or advisories removed, whose packages the new DB
 * no longer knows), every image used within the window is re-matched instead: never too few.
 */
export async function planDbUpdate(detail: DbUpdatedDetail, deps: DbUpdatePlanDeps): Promise<DbUpdatePlan> {
  const common = {
    plannedAt: deps.now,
    dbBuiltAt: detail.builtAt,
    ...(deps.batchSize !== undefined ? { batchSize: deps.batchSize } : {}),
  };
  const removed = detail.changes.removed;
  if (detail.truncated || removed > 0) {
    const why = detail.truncated
      ? "the event's advisory lists were cut"
      : `${removed} advisories were removed`;
    return {
      mode: "full",
      why,
      messages: await planFullRematch(deps.activity, { now: deps.now, ...common }),
    };
  }
  const ids = [...new Set(Object.values(detail.ecosystems).flatMap((e) => [...e.added, ...e.modified]))];
  const changes = await packagesOf(ids, deps.db);
  const keys = await affectedImages(changes, deps.index);
  return {
    mode: "affected",
    why: `${ids.length} advisories changed, covering ${changes.reduce((n, c) => n + c.packages.length, 0)} packages`,
    messages: rematchMessages(keys, { reason: "db-update", ...common }),
  };
}

async function packagesOf(ids: readonly string[], db: VulnDb): Promise<AdvisoryChange[]> {
  const byEcosystem = new Map<string, Set<string>>();
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const advisory = await db.advisory(ids[next++] as string);
      for (const affected of advisory?.affected ?? []) {
        const { ecosystem, name } = affected.package ?? {};
        if (!ecosystem || !name) continue;
        const names = byEcosystem.get(ecosystem) ?? new Set<string>();
        names.add(name);
        byEcosystem.set(ecosystem, names);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOOKUPS, ids.length) }, worker));
  return [...byEcosystem].map(([ecosystem, names]) => ({ ecosystem, packages: [...names] }));
}
