/** A problem that did not stop the scan; it is reported, never thrown. */
export interface ScanWarning {
  /** Stable machine-readable code, e.g. "analyzer-failed", "file-too-large". */
  code: string;
  message: string;
  /** diffID of the layer concerned, when there is one. */
  layer?: string;
  /** Path inside the image, without a leading slash. */
  path?: string;
}
