import { z } from "zod";
import { type IntakeResult, ScanJobSchema } from "../pipeline/ecr-events.js";
import { ignoredIntake, invalidIntake, zodIssues } from "../pipeline/intake-result.js";
import { imageKey, type ScanJob } from "../stores/scan-job.js";
import { type GarImageName, parseGarImageName } from "./gar-reference.js";

/**
 * What Artifact Registry publishes to the `gcr` topic
 * (https://cloud.google.com/artifact-registry/docs/configure-notifications):
 * `{"action":"INSERT"|"DELETE","digest":"HOST/PROJECT/REPO/IMAGE@sha256:…","tag":"HOST/…/IMAGE:TAG"}`.
 */
const GarMessageSchema = z.object({
  action: z.string().max(32),
  digest: z.string().max(1024).optional(),
  tag: z.string().max(1024).optional(),
});

/** Two image names and an action fit in well under this; anything bigger is not from GAR. */
export const MAX_GAR_MESSAGE_BYTES = 8 * 1024;

export interface GarIntakeConfig {
  now?: () => Date;
}

/** Turns one `gcr` topic message into scan jobs and deletions; never throws. */
export function jobsFromGarMessage(
  message: { data: Buffer; publishTime?: string },
  config: GarIntakeConfig = {},
): IntakeResult {
  if (message.data.length > MAX_GAR_MESSAGE_BYTES)
    return invalidIntake(`message larger than ${MAX_GAR_MESSAGE_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(message.data.toString("utf8"));
  } catch {
    return invalidIntake("message data is not JSON");
  }
  const parsed = GarMessageSchema.safeParse(json);
  if (!parsed.success) return invalidIntake(`message: ${zodIssues(parsed.error)}`);
  const { action, digest, tag } = parsed.data;
  // Like ECR's uninteresting detail types: another action is not ours to judge.
  if (action !== "INSERT" && action !== "DELETE")
    return ignoredIntake(`action ${action.slice(0, 32)} is not scanned`);

  const digestName = digest !== undefined ? parseGarImageName(digest) : undefined;
  if (digestName && "invalid" in digestName) return invalidIntake(`digest: ${digestName.invalid}`);
  const tagName = tag !== undefined ? parseGarImageName(tag) : undefined;
  if (tagName && "invalid" in tagName) return invalidIntake(`tag: ${tagName.invalid}`);
  if (digestName && digestName.digest === undefined) return invalidIntake("digest names no sha256 digest");
  if (tagName && tagName.tag === undefined) return invalidIntake("tag names no tag");
  if (digestName && tagName && !sameImage(digestName, tagName))
    return invalidIntake("digest and tag name different images");

  if (!digestName) {
    // We scan by digest and a moving tag names none; the inventory sync finds what it points to.
    return action === "INSERT"
      ? ignoredIntake("tag-only INSERT: no digest to scan (the inventory sync resolves the tag)")
      : ignoredIntake("tag-only DELETE: the image itself stays");
  }
  const base = {
    provider: "gar" as const,
    account: digestName.project,
    region: digestName.location,
    repository: digestName.repository,
    digest: digestName.digest as string,
  };
  const eventTime = garEventTime(message, config);
  if (eventTime === undefined) return invalidIntake("publishTime is not a timestamp");
  if (action === "DELETE") return { jobs: [], deletes: [imageKey(base)] };

  const tagValue = tagName?.tag ?? digestName.tag;
  const job: ScanJob = {
    v: 1,
    ...base,
    ...(tagValue !== undefined ? { tag: tagValue } : {}),
    registry: digestName.host,
    reason: "push",
    eventTime,
  };
  // The queue contract is checked here too: GAR allows longer image paths than the queue accepts.
  const checked = ScanJobSchema.safeParse(job);
  if (!checked.success) return invalidIntake(`scan job: ${zodIssues(checked.error)}`);
  return { jobs: [job], deletes: [] };
}

/** When the event happened: Pub/Sub's publish time, else now. Undefined for an unreadable time. */
export function garEventTime(
  message: { publishTime?: string },
  config: GarIntakeConfig = {},
): string | undefined {
  const time = message.publishTime ?? (config.now?.() ?? new Date()).toISOString();
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function sameImage(a: GarImageName, b: GarImageName): boolean {
  return a.host === b.host && a.project === b.project && a.repository === b.repository;
}
