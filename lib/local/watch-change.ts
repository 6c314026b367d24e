import type { ImageRecord } from "../aws/dynamo-findings-store.js";
import {
  type ChangedFinding,
  changedFinding,
  compareChangedFindings,
  type ImageChange,
  imageChange,
  imageName,
} from "../notify/image-change.js";
import type { RematchOutcome } from "../rescan/rematch-image.js";
import type { ScanJob } from "../stores/scan-job.js";

/** At most this many finding ids on a text line; the JSON form always has them all. */
const IDS_PER_LINE = 5;

/**
 * A local re-match as the notifier's ImageChange, so the watch loop's JSON is what the cloud
 * notifier sends; undefined when nothing was added or resolved.
 */
export function rescanChange(
  outcome: RematchOutcome,
  image: Pick<ImageRecord, "provider" | "account" | "region" | "repository" | "digest" | "tags">,
  bucket: string,
): ImageChange | undefined {
  if (outcome.status !== "rematched") return undefined;
  if (outcome.added.length === 0 && outcome.resolved.length === 0) return undefined;
  const sorted = (findings: typeof outcome.added) =>
    findings.map(changedFinding).sort(compareChangedFindings);
  const { reportKey } = outcome.summary;
  return imageChange({
    image: {
      provider: image.provider as ScanJob["provider"],
      account: image.account,
      region: image.region,
      repository: image.repository,
      digest: image.digest,
      tags: [...image.tags],
    },
    reason: "rescan",
    scannedAt: outcome.summary.scannedAt,
    newFindings: sorted(outcome.added),
    resolvedFindings: sorted(outcome.resolved),
    ...(reportKey ? { reportUri: `s3://${bucket}/${reportKey}` } : {}),
  });
}

/** "team/api:1.4: 2 new (HIGH 2: CVE-1 openssl, ...), 1 resolved (LOW 1: ...)". */
export function formatChange(change: ImageChange): string {
  return `${imageName(change.image)}: ${part("new", change.newFindings)}, ${part("resolved", change.resolvedFindings)}`;
}

function part(label: string, findings: readonly ChangedFinding[]): string {
  if (findings.length === 0) return `0 ${label}`;
  const counts = new Map<string, number>();
  for (const f of findings) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
  const severities = [...counts].map(([level, n]) => `${level} ${n}`).join(", ");
  const ids = findings.slice(0, IDS_PER_LINE).map((f) => `${f.id} ${f.package.name}`);
  if (findings.length > IDS_PER_LINE) ids.push(`${findings.length - IDS_PER_LINE} more`);
  return `${findings.length} ${label} (${severities}: ${ids.join(", ")})`;
}
