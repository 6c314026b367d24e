import type { LayerRef } from "../inventory/package.js";
import type { LaterLayers, LayerView } from "./later-layers.js";

/** File facts of the final filesystem, each with the layer that put the file there. */
export interface FinalFileFacts {
  setuid: Array<{ path: string; mode: number; layer: LayerRef }>;
  worldWritableDirs: Array<{ path: string; mode: number; layer: LayerRef }>;
  packageCaches: Array<{ dir: string; manager: string; files: number; bytes: number; layer: LayerRef }>;
}

/** Overlays the per-layer facts: what a later layer deleted, replaced or chmod-ed away is gone. */
export function finalFileFacts(layers: readonly LayerView[], later: LaterLayers): FinalFileFacts {
  const out: FinalFileFacts = { setuid: [], worldWritableDirs: [], packageCaches: [] };
  const caches = new Map<string, FinalFileFacts["packageCaches"][number]>();
  for (const { ref, result } of layers) {
    const facts = result.fileFacts;
    if (!facts) continue;
    const present = (path: string) => later.removedAfter(path, ref.index) === undefined;
    for (const f of facts.setuidFiles) if (present(f.path)) out.setuid.push({ ...f, layer: ref });
    for (const d of facts.worldWritableDirs)
      if (present(d.path)) out.worldWritableDirs.push({ ...d, layer: ref });
    for (const c of facts.packageCacheFiles) {
      if (!present(c.path)) continue;
      const key = `${ref.index}\0${c.manager}\0${c.dir}`;
      const entry = caches.get(key) ?? { dir: c.dir, manager: c.manager, files: 0, bytes: 0, layer: ref };
      entry.files += c.files;
      entry.bytes += c.size;
      caches.set(key, entry);
    }
  }
  out.packageCaches = [...caches.values()];
  return out;
}
