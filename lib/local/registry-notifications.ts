import { z } from "zod";
import { MANIFEST_MEDIA_TYPES } from "../image/media-types.js";
import type { ScanJob } from "../stores/scan-job.js";

/** The content type the distribution registry POSTs its notification envelopes with. */
export const REGISTRY_EVENTS_MEDIA_TYPE = "application/vnd.docker.distribution.events.v1+json";

// Only the fields we read are required; the registry sends more (actor, source, length...).
const DIGEST = z.string().regex(/^sha256:[a-f0-9]{64}$/);
const REPOSITORY = z
  .string()
  .max(255)
  .regex(/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/);
const HOST = z
  .string()
  .max(253)
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?$/);

const EventSchema = z.object({
  id: z.string().max(128),
  timestamp: z.string().max(64),
  action: z.string().max(32),
  target: z
    .object({
      mediaType: z.string().max(256).optional(),
      size: z.number().optional(),
      digest: z.string().max(200).optional(),
      length: z.number().optional(),
      repository: z.string().max(300).optional(),
      url: z.string().max(2048).optional(),
      tag: z.string().max(128).optional(),
    })
    .passthrough(),
  request: z
    .object({ host: z.string().max(300).optional() })
    .passthrough()
    .optional(),
  source: z
    .object({ addr: z.string().max(300).optional() })
    .passthrough()
    .optional(),
});

export const RegistryEnvelopeSchema = z.object({ events: z.array(EventSchema).max(1000) });

export type RegistryNotificationResult =
  | { ok: true; jobs: ScanJob[]; ignored: number }
  | { ok: false; invalid: string };

/**
 * Turns one notification envelope into scan jobs: a push of an image manifest becomes a job by
 * digest. Layer and config blob pushes, pulls, deletes and mounts are ignored, and so are index
 * pushes: the registry reports each child manifest of an index as its own push.
 */
export function jobsFromRegistryNotification(
  body: unknown,
  now: () => Date = () => new Date(),
): RegistryNotificationResult {
  const parsed = RegistryEnvelopeSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, invalid: `${issue?.path.join(".") || "(root)"}: ${issue?.message}` };
  }
  const jobs: ScanJob[] = [];
  const seen = new Set<string>();
  let ignored = 0;
  for (const event of parsed.data.events) {
    const job = jobFromEvent(event, now);
    // One push of a tag and a digest can be reported twice in one envelope: scan once.
    if (!job || seen.has(`${job.registry}/${job.repository}@${job.digest}`)) {
      ignored++;
      continue;
    }
    seen.add(`${job.registry}/${job.repository}@${job.digest}`);
    jobs.push(job);
  }
  return { ok: true, jobs, ignored };
}

function jobFromEvent(event: z.infer<typeof EventSchema>, now: () => Date): ScanJob | undefined {
  const { target } = event;
  if (event.action !== "push" || !target.mediaType || !MANIFEST_MEDIA_TYPES.includes(target.mediaType))
    return undefined;
  const digest = DIGEST.safeParse(target.digest);
  const repository = REPOSITORY.safeParse(target.repository);
  const registry = HOST.safeParse(registryHost(target.url, event.request?.host));
  if (!digest.success || !repository.success || !registry.success) return undefined;
  const tag = target.tag && /^[\w][\w.-]{0,127}$/.test(target.tag) ? target.tag : undefined;
  const time = Date.parse(event.timestamp);
  return {
    v: 1,
    provider: "registry",
    account: "local",
    region: "local",
    repository: repository.data,
    digest: digest.data,
    ...(tag ? { tag } : {}),
    registry: registry.data,
    reason: "push",
    eventTime: (Number.isNaN(time) ? now() : new Date(time)).toISOString(),
  };
}

/** The host the client pushed to: the target URL's, else the request's Host header. */
function registryHost(url: string | undefined, requestHost: string | undefined): string | undefined {
  if (url) {
    try {
      return new URL(url).host;
    } catch {
      // fall through to the request host
    }
  }
  return requestHost;
}
