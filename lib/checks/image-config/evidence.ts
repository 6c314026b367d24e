import type { LayerRef } from "../../inventory/package.js";

/** Reports stay readable when an image has thousands of setuid files or cache entries. */
export const MAX_EVIDENCE = 50;

/** The first `max` entries, then one "+N more" line for the rest. */
export function capEvidence(lines: string[], max = MAX_EVIDENCE): string[] {
  if (lines.length <= max) return lines;
  return [...lines.slice(0, max), `+${lines.length - max} more`];
}

/** The one layer all the evidence comes from, or undefined when there are several (or none). */
export function singleLayer(layers: Array<LayerRef | undefined>): LayerRef | undefined {
  const first = layers[0];
  if (first === undefined) return undefined;
  return layers.every((layer) => layer !== undefined && layer.diffID === first.diffID) ? first : undefined;
}

/** Permission bits in octal as `ls` users read them, e.g. "4755" (file-type bits dropped). */
export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, "0");
}

/** "12.3 MiB", "512 B": base-2 units like `du -h`. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** "layer 3" for evidence lines; the diffID is in the finding's `layer` field when it is unique. */
export function layerLabel(layer: LayerRef | undefined): string {
  return layer === undefined ? "no layer" : `layer ${layer.index}`;
}

/** Joins a few names for a message, e.g. "a, b, c and 4 more". */
export function summarize(names: string[], max = 5): string {
  if (names.length <= max) return names.join(", ");
  return `${names.slice(0, max).join(", ")} and ${names.length - max} more`;
}
