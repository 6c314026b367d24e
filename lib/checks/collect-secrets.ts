import type { LaterLayers, LayerView } from "./later-layers.js";
import type { SecretFinding } from "./types.js";

/**
 * Every secret any layer holds, not only those in the final filesystem: a key deleted by a later
 * layer can still be read by anyone who pulls the image, so it is reported as removed, not dropped.
 */
export function collectSecrets(layers: readonly LayerView[], later: LaterLayers): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const { ref, result } of layers) {
    for (const record of result.paths) {
      if (record.type !== "file") continue;
      for (const { result: analyzed } of record.results) {
        for (const match of analyzed.secrets ?? []) {
          const removedIn = later.removedAfter(record.path, ref.index);
          findings.push({
            ...match,
            path: record.path,
            layer: ref,
            present: removedIn === undefined,
            ...(removedIn ? { removedIn } : {}),
          });
        }
      }
    }
  }
  return findings.sort(
    (a, b) => a.layer.index - b.layer.index || a.path.localeCompare(b.path) || a.line - b.line,
  );
}
