import { createHash } from "node:crypto";
import type { ScanReport } from "../../report/scan-report.js";

/** RFC 9562 URL namespace, the usual one for name-based UUIDs of things named by strings. */
const NAMESPACE_URL = Buffer.from("6ba7b8119dad11d180b400c04fd430c8", "hex");

/**
 * A name-based (version 5) UUID for one SBOM of one scan: derived from the image digest and the
 * scan time, so writing the same report twice gives byte-identical SBOMs, while each new scan of
 * the image gets a new serial number, as CycloneDX asks of a changed BOM.
 */
export function documentUuid(report: ScanReport, format: "cyclonedx" | "spdx"): string {
  const name = `portcullis:${format}:${report.artifact.name}:${report.artifact.digest}:${report.createdAt}`;
  const bytes = createHash("sha1").update(NAMESPACE_URL).update(name).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
