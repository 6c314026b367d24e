/** Caps that turn hostile or broken layers into warnings or clear errors instead of OOMs or hangs. */
export interface LayerLimits {
  /** Decompressed bytes per layer (gzip/zstd bombs). Exceeding it fails the layer. */
  maxLayerBytes: number;
  /** Tar entries per layer. Exceeding it fails the layer. */
  maxEntries: number;
  /** Longer paths are skipped with a warning. */
  maxPathLength: number;
  /** Hard ceiling for any single buffered file, whatever an analyzer asks for. */
  maxBufferedFileSize: number;
}

export const DEFAULT_LAYER_LIMITS: LayerLimits = {
  maxLayerBytes: 16 * 1024 ** 3,
  maxEntries: 2_000_000,
  maxPathLength: 4096,
  // rpm databases of big RHEL/Fedora images pass 100 MiB; the per-layer total leaves room beside one.
  maxBufferedFileSize: 256 * 1024 ** 2,
};
