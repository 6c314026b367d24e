import { z } from "zod";
import { SEVERITY_LEVELS, type SeverityLevel } from "../matching/finding.js";
import type { ScanReport } from "../report/scan-report.js";
import { changedFinding, type ImageChange, imageChange } from "./image-change.js";
import type { ScanCompletedDetail } from "./scan-completed.js";

/** EventBridge detail-type of a rescan's result: what a newer DB added to or resolved in an image. */
export const IMAGE_RESCANNED_DETAIL_TYPE = "Portcullis Image Rescanned";

const severity = z.enum(SEVERITY_LEVELS as [SeverityLevel, ...SeverityLevel[]]);
const changedFindingSchema = z.object({
  id: z.string().min(1).max(512),
  severity,
  package: z.object({
    ecosystem: z.string().max(256),
    name: z.string().max(4096),
    version: z.string().max(512),
  }),
  fixedVersions: z.array(z.string().max(512)).max(64),
  kev: z.boolean(),
  epss: z.number().min(0).max(1).optional(),
  references: z.array(z.string().max(2048)).max(32),
});

/** A rescan result as it travels on the bus: the change without its derived counts. */
export const imageRescannedDetailSchema = z.object({
  image: z.object({
    provider: z.enum(["ecr", "gar", "registry"]),
    account: z.string().min(1).max(128),
    region: z.string().max(64),
    repository: z.string().min(1).max(1024),
    digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    tags: z.array(z.string().max(256)).max(100),
  }),
  reason: z.literal("rescan"),
  scannedAt: z.string().datetime(),
  newFindings: z.array(changedFindingSchema).max(5000),
  resolvedFindings: z.array(changedFindingSchema).max(5000),
  reportUri: z.string().max(2048).optional(),
});

/** Validates a hostile-until-proven-otherwise event detail into an ImageChange. */
export function changeFromRescanDetail(detail: unknown): ImageChange {
  const parsed = imageRescannedDetailSchema.parse(detail);
  return imageChange(parsed as Omit<ImageChange, "counts">);
}

/**
 * A push scan announces the image's findings as new: the de-duplication store drops those the
 * destination was already told about (the same digest scanned again, or pushed under a new tag).
 */
export function changeFromScan(
  detail: ScanCompletedDetail,
  report: Pick<ScanReport, "vulnerabilities">,
): ImageChange {
  return imageChange({
    image: {
      provider: detail.provider,
      account: detail.account,
      region: detail.region,
      repository: detail.repository,
      digest: detail.digest,
      tags: detail.tags,
    },
    reason: "push",
    scannedAt: detail.scannedAt,
    newFindings: (report.vulnerabilities ?? []).map(changedFinding),
    resolvedFindings: [],
    ...(detail.reportUri ? { reportUri: detail.reportUri } : {}),
  });
}
