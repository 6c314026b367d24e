import type { VulnerabilityFinding } from "../../lib/matching/finding.js";
import {
  changedFinding,
  type ImageChange,
  type ImageIdentity,
  imageChange,
} from "../../lib/notify/image-change.js";
import { job } from "./findings.js";

export const image: ImageIdentity = {
  provider: job.provider,
  account: job.account,
  region: job.region,
  repository: job.repository,
  digest: job.digest,
  tags: ["1.4.2"],
};

export function changeOf(
  fresh: readonly VulnerabilityFinding[],
  resolved: readonly VulnerabilityFinding[] = [],
  extra: Partial<Pick<ImageChange, "image" | "reason" | "scannedAt" | "reportUri">> = {},
): ImageChange {
  return imageChange({
    image,
    reason: "push",
    scannedAt: "2026-11-28T10:00:05.000Z",
    newFindings: fresh.map(changedFinding),
    resolvedFindings: resolved.map(changedFinding),
    ...extra,
  });
}
