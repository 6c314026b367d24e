import type { VulnerabilityFinding } from "../matching/finding.js";
import { type ChangedFinding, changedFinding, compareChangedFindings } from "../notify/image-change.js";
import { IMAGE_RESCANNED_DETAIL_TYPE } from "../notify/notification-source.js";
import { EVENT_SOURCE, MAX_EVENT_ENTRY_BYTES, type ScanCompletedEntry } from "../notify/scan-completed.js";
import type { StoredImage } from "./rematch-image.js";

/** Room left for the envelope EventBridge adds to an entry's size. */
const ENVELOPE_BYTES = 2048;
/** References kept per finding on the bus: the notifier links one, the report has them all. */
const REFERENCES_KEPT = 2;

/**
 * The `Portcullis Image Rescanned` entry for one re-matched image: what the new DB added and
 * resolved, most severe first, cut from the least severe end to fit EventBridge's 256 KiB.
 */
export function imageRescannedEntry(
  image: StoredImage & { tags?: string[] },
  scannedAt: string,
  added: readonly VulnerabilityFinding[],
  resolved: readonly VulnerabilityFinding[],
  reportUri?: string,
): ScanCompletedEntry {
  const compact = (list: readonly VulnerabilityFinding[]): ChangedFinding[] =>
    list
      .map(changedFinding)
      .map((f) => ({ ...f, references: f.references.slice(0, REFERENCES_KEPT) }))
      .sort(compareChangedFindings);
  const detail = {
    image: {
      provider: image.provider,
      account: image.account,
      region: image.region,
      repository: image.repository,
      digest: image.digest,
      tags: image.tags ?? [],
    },
    reason: "rescan" as const,
    scannedAt,
    newFindings: compact(added),
    resolvedFindings: compact(resolved),
    ...(reportUri ? { reportUri } : {}),
  };
  let body = JSON.stringify(detail);
  while (Buffer.byteLength(body) > MAX_EVENT_ENTRY_BYTES - ENVELOPE_BYTES) {
    const longer =
      detail.newFindings.length >= detail.resolvedFindings.length
        ? detail.newFindings
        : detail.resolvedFindings;
    longer.splice(Math.floor(longer.length * 0.9));
    body = JSON.stringify(detail);
  }
  return { Source: EVENT_SOURCE, DetailType: IMAGE_RESCANNED_DETAIL_TYPE, Detail: body };
}
