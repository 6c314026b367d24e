import type { LayerRef } from "../inventory/package.js";
import type { LayerResult } from "../layers/layer-result.js";
import { PathIndex } from "../layers/path-index.js";

export interface LayerView {
  ref: LayerRef;
  result: LayerResult;
}

interface LayerChanges {
  ref: LayerRef;
  whiteouts: Set<string>;
  opaqueDirs: Set<string>;
  written: PathIndex;
}

/**
 * Answers "is this file from layer i still in the final filesystem?" the way the overlay decides
 * it: a later whiteout of the path or a parent deletes it, a later opaque parent hides it, and a
 * later layer writing the same path replaces it.
 */
export class LaterLayers {
  private readonly layers: LayerChanges[];

  constructor(layers: readonly LayerView[]) {
    this.layers = [...layers]
      .sort((a, b) => a.ref.index - b.ref.index)
      .map(({ ref, result }) => ({
        ref,
        whiteouts: new Set(result.whiteouts),
        opaqueDirs: new Set(result.opaqueDirs),
        written: new PathIndex(result.pathIndex ?? ""),
      }));
  }

  /** The first layer after `layerIndex` that deletes or replaces `path`, if any. */
  removedAfter(path: string, layerIndex: number): LayerRef | undefined {
    const ancestors = ancestorsOf(path);
    for (const layer of this.layers) {
      if (layer.ref.index <= layerIndex) continue;
      if (layer.whiteouts.has(path) || layer.written.has(path)) return layer.ref;
      for (const dir of ancestors) {
        if (layer.whiteouts.has(dir) || layer.opaqueDirs.has(dir)) return layer.ref;
      }
    }
    return undefined;
  }
}

/** "a/b/c" → ["", "a", "a/b"]: the root is "" in opaque-directory records. */
function ancestorsOf(path: string): string[] {
  const out = [""];
  for (let i = path.indexOf("/"); i !== -1; i = path.indexOf("/", i + 1)) out.push(path.slice(0, i));
  return out;
}
