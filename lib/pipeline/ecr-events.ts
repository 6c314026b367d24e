import { z } from "zod";
import { imageKey, type ScanJob } from "../stores/scan-job.js";
import { ignoredIntake, invalidIntake, zodIssues } from "./intake-result.js";

/** How the intake turns events into jobs: the central account and its cross-account pull role. */
export interface IntakeConfig {
  /** The account the scanner runs in; events from other accounts get a pull role. */
  centralAccount?: string;
  /** e.g. "arn:aws:iam::{account}:role/PortcullisPull"; `{account}` is the image's account. */
  pullRoleArnTemplate?: string;
}

/** What one event asks for. `invalid` events are dropped with a log line, never thrown. */
export interface IntakeResult {
  jobs: ScanJob[];
  /** imageKeys of images deleted from the registry. */
  deletes: string[];
  ignored?: string;
  invalid?: string;
}

// Bounds from the ECR API reference (account, region, repository name) and the distribution
// reference grammar (tags); every string is capped so a hostile event cannot blow up logs or keys.
const ACCOUNT = z.string().regex(/^\d{12}$/, "an AWS account is 12 digits");
const REGION = z
  .string()
  .max(25)
  .regex(/^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/, "not an AWS region");
const REPOSITORY = z
  .string()
  .min(2)
  .max(256)
  .regex(/^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/, "not an ECR repository name");
const DIGEST = z.string().regex(/^sha256:[a-f0-9]{64}$/, "the image digest must be sha256:<64 hex>");
const TAG = z.string().regex(/^[\w][\w.-]{0,127}$/, "not a valid image tag");
const TIME = z
  .string()
  .max(40)
  .refine((s) => !Number.isNaN(Date.parse(s)), "not a timestamp");
const SHORT = z.string().max(64);

export const EventBridgeEnvelopeSchema = z.object({
  version: SHORT,
  id: z.string().max(128),
  "detail-type": z.string().max(128),
  source: z.literal("aws.ecr"),
  account: ACCOUNT,
  time: TIME,
  region: REGION,
  resources: z.array(z.string().max(2048)).max(20),
  detail: z.record(z.string(), z.unknown()),
});
export type EcrEvent = z.infer<typeof EventBridgeEnvelopeSchema>;

/** Just enough of `detail` to decide whether to look further: failures carry no usable image. */
const ActionSchema = z.object({ "action-type": SHORT, result: SHORT });

export const ImageDetailSchema = z.object({
  "repository-name": REPOSITORY,
  "image-digest": DIGEST,
  "image-tag": TAG.optional(),
});

export const ReplicationDetailSchema = ImageDetailSchema.extend({
  "source-account": ACCOUNT.optional(),
  "source-region": REGION.optional(),
});

export function ecrRegistryHost(account: string, region: string): string {
  // China regions live under amazonaws.com.cn.
  const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return `${account}.dkr.ecr.${region}.${suffix}`;
}

/** Turns one EventBridge event from ECR into scan jobs and deletions; never throws. */
export function jobsFromEcrEvent(event: unknown, config: IntakeConfig = {}): IntakeResult {
  const envelope = EventBridgeEnvelopeSchema.safeParse(event);
  if (!envelope.success) return invalidIntake(`envelope: ${zodIssues(envelope.error)}`);
  const e = envelope.data;
  const detailType = e["detail-type"];
  if (detailType !== "ECR Image Action" && detailType !== "ECR Replication Action")
    return ignoredIntake(`detail-type "${detailType}" is not an image push, delete or replication`);

  const action = ActionSchema.safeParse(e.detail);
  if (!action.success) return invalidIntake(`detail: ${zodIssues(action.error)}`);
  const { "action-type": actionType, result } = action.data;
  // A failed push or replication left no image behind: nothing to scan, nothing to delete.
  if (result !== "SUCCESS") return ignoredIntake(`${actionType} did not succeed (result ${result})`);

  const wanted =
    detailType === "ECR Replication Action"
      ? actionType === "REPLICATE"
      : ["PUSH", "DELETE"].includes(actionType);
  if (!wanted) return ignoredIntake(`action-type ${actionType} of ${detailType} is not scanned`);

  const detail = ReplicationDetailSchema.safeParse(e.detail);
  if (!detail.success) return invalidIntake(`detail: ${zodIssues(detail.error)}`);
  const d = detail.data;
  // For replication the envelope names the destination: the copy we can pull and must track.
  const base = {
    provider: "ecr" as const,
    account: e.account,
    region: e.region,
    repository: d["repository-name"],
    digest: d["image-digest"],
  };
  if (actionType === "DELETE") return { jobs: [], deletes: [imageKey(base)] };

  const pullRoleArn = pullRoleFor(e.account, config);
  const job: ScanJob = {
    v: 1,
    ...base,
    ...(d["image-tag"] ? { tag: d["image-tag"] } : {}),
    registry: ecrRegistryHost(e.account, e.region),
    ...(pullRoleArn ? { pullRoleArn } : {}),
    reason: actionType === "REPLICATE" ? "replication" : "push",
    eventTime: new Date(e.time).toISOString(),
  };
  return { jobs: [job], deletes: [] };
}

export function pullRoleFor(account: string, config: IntakeConfig): string | undefined {
  if (!config.pullRoleArnTemplate || !config.centralAccount || account === config.centralAccount)
    return undefined;
  return config.pullRoleArnTemplate.replaceAll("{account}", account);
}

// ---------------------------------------------------------------------------------------------
// On-demand scans (API, CLI, rescan): a registry, a repository, and a digest or a tag to resolve.

const HOST = z
  .string()
  .max(253)
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?$/, "not a registry host");
const ANY_REPOSITORY = z
  .string()
  .max(255)
  .regex(
    /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/,
    "not a repository",
  );

export const ScanRequestSchema = z
  .object({
    registry: HOST,
    repository: ANY_REPOSITORY,
    digest: DIGEST.optional(),
    tag: TAG.optional(),
    reason: SHORT.optional(),
  })
  .refine((r) => r.digest !== undefined || r.tag !== undefined, "a digest or a tag is required");
export type ScanRequest = z.infer<typeof ScanRequestSchema>;

const ECR_HOST_RE = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

/** Scans are by digest: a tag-only request needs `resolveTag` (a manifest HEAD) first. */
export async function jobFromScanRequest(
  request: unknown,
  config: IntakeConfig & {
    resolveTag?: (registry: string, repository: string, tag: string) => Promise<string>;
    now?: () => Date;
  } = {},
): Promise<{ job: ScanJob } | { invalid: string }> {
  const parsed = ScanRequestSchema.safeParse(request);
  if (!parsed.success) return { invalid: zodIssues(parsed.error) };
  const r = parsed.data;
  let digest = r.digest;
  if (digest === undefined) {
    if (!config.resolveTag) return { invalid: "a tag-only request cannot be resolved here: give a digest" };
    const resolved = await config.resolveTag(r.registry, r.repository, r.tag as string);
    if (!DIGEST.safeParse(resolved).success) return { invalid: `tag ${r.tag} resolved to "${resolved}"` };
    digest = resolved;
  }
  const ecr = ECR_HOST_RE.exec(r.registry);
  // Any other registry is keyed by its host, so equal repository names in two registries differ.
  const [account, region] = ecr ? [ecr[1] as string, ecr[2] as string] : [r.registry, "global"];
  const pullRoleArn = ecr ? pullRoleFor(account, config) : undefined;
  return {
    job: {
      v: 1,
      provider: ecr ? "ecr" : "registry",
      account,
      region,
      repository: r.repository,
      digest,
      ...(r.tag ? { tag: r.tag } : {}),
      registry: r.registry,
      ...(pullRoleArn ? { pullRoleArn } : {}),
      reason: r.reason ?? "on-demand",
      eventTime: (config.now?.() ?? new Date()).toISOString(),
    },
  };
}

/** The queue message body, validated again on the way out: queues can be written by anyone allowed. */
export const ScanJobSchema = z.object({
  v: z.literal(1),
  provider: z.enum(["ecr", "gar", "registry"]),
  account: z.string().min(1).max(260),
  region: z.string().min(1).max(64),
  repository: ANY_REPOSITORY,
  digest: DIGEST,
  tag: TAG.optional(),
  registry: HOST,
  pullRoleArn: z.string().max(2048).optional(),
  reason: SHORT,
  eventTime: TIME,
});
