import { z } from "zod";

/** One Pub/Sub message as a push delivers it, whichever of the two push formats was used. */
export interface PushMessage {
  data: Buffer;
  attributes: Record<string, string>;
  messageId?: string;
  publishTime?: string;
  subscription?: string;
}

export interface PushRequest {
  /** The request body, already decoded from the transport (function URLs base64 some bodies). */
  body: Buffer;
  /** Request headers with lower-case names. */
  headers: Record<string, string | undefined>;
}

export interface ParsePushOptions {
  /**
   * "wrapped": the default JSON envelope; "unwrapped": payload unwrapping ("no wrapper");
   * "auto" (default): a JSON object with a `message` object is taken as the envelope.
   */
  format?: "auto" | "wrapped" | "unwrapped";
  /** Largest body accepted; default 64 KiB (GAR messages are two image names and an action). */
  maxBodyBytes?: number;
}

export const DEFAULT_MAX_PUSH_BODY = 64 * 1024;

// Bounds from the Pub/Sub quotas page: at most 100 attributes, keys up to 256 bytes, values up
// to 1024 bytes. Message ids are decimal strings; publish times RFC 3339 with up to 9 fraction digits.
const MESSAGE_ID = z.string().min(1).max(128);
const PUBLISH_TIME = z
  .string()
  .max(40)
  .refine((s) => !Number.isNaN(Date.parse(s)), "not a timestamp");
const SUBSCRIPTION = z
  .string()
  .max(512)
  .regex(/^projects\/[^/\s]{1,100}\/subscriptions\/[^/\s]{1,255}$/, "not a subscription name");
const ATTRIBUTES = z
  .record(z.string().min(1).max(256), z.string().max(1024))
  .refine((a) => Object.keys(a).length <= 100, "more than 100 attributes");

/**
 * The documented push body (https://cloud.google.com/pubsub/docs/push): Google writes `messageId`
 * and `publishTime` twice, also as `message_id` and `publish_time`.
 */
const EnvelopeSchema = z.object({
  message: z.object({
    data: z
      .string()
      .max(Math.ceil((DEFAULT_MAX_PUSH_BODY * 4) / 3) + 4)
      .optional(),
    attributes: ATTRIBUTES.optional(),
    messageId: MESSAGE_ID.optional(),
    message_id: MESSAGE_ID.optional(),
    publishTime: PUBLISH_TIME.optional(),
    publish_time: PUBLISH_TIME.optional(),
    orderingKey: z.string().max(1024).optional(),
  }),
  subscription: SUBSCRIPTION.optional(),
  deliveryAttempt: z.number().int().min(0).optional(),
});

// Metadata headers written by payload unwrapping with write metadata enabled
// (https://cloud.google.com/pubsub/docs/payload-unwrapping). Attributes arrive as plain headers
// named after the attribute, indistinguishable from transport headers, so they are not collected.
export const MESSAGE_ID_HEADER = "x-goog-pubsub-message-id";
export const PUBLISH_TIME_HEADER = "x-goog-pubsub-publish-time";
export const SUBSCRIPTION_HEADER = "x-goog-pubsub-subscription-name";

// Standard alphabet with padding, as Google encodes `data`; the round trip below rejects
// non-canonical trailing bits, which Buffer.from would silently drop.
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Turns one push request into the message it carries; never throws. */
export function parsePushRequest(
  request: PushRequest,
  options: ParsePushOptions = {},
): PushMessage | { invalid: string } {
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_PUSH_BODY;
  if (request.body.length > maxBody) return { invalid: `body larger than ${maxBody} bytes` };
  const format = options.format ?? "auto";
  if (format === "unwrapped") return unwrapped(request);
  const json = parseJson(request.body);
  if (format === "wrapped" || isEnvelope(json)) {
    return json === undefined ? { invalid: "body is not a JSON push envelope" } : wrapped(json);
  }
  return unwrapped(request);
}

function wrapped(json: unknown): PushMessage | { invalid: string } {
  const parsed = EnvelopeSchema.safeParse(json);
  if (!parsed.success) return { invalid: `push envelope: ${issues(parsed.error)}` };
  const { message, subscription } = parsed.data;
  const messageId = agree(message.messageId, message.message_id);
  const publishTime = agree(message.publishTime, message.publish_time);
  if (messageId === null) return { invalid: "messageId and message_id differ" };
  if (publishTime === null) return { invalid: "publishTime and publish_time differ" };
  const data = decodeBase64(message.data ?? "");
  if (data === undefined) return { invalid: "message.data is not valid base64" };
  return {
    data,
    attributes: message.attributes ?? {},
    ...(messageId !== undefined ? { messageId } : {}),
    ...(publishTime !== undefined ? { publishTime } : {}),
    ...(subscription !== undefined ? { subscription } : {}),
  };
}

function unwrapped(request: PushRequest): PushMessage | { invalid: string } {
  const headers = z.object({
    [MESSAGE_ID_HEADER]: MESSAGE_ID.optional(),
    [PUBLISH_TIME_HEADER]: PUBLISH_TIME.optional(),
    [SUBSCRIPTION_HEADER]: SUBSCRIPTION.optional(),
  });
  const parsed = headers.safeParse({
    [MESSAGE_ID_HEADER]: request.headers[MESSAGE_ID_HEADER],
    [PUBLISH_TIME_HEADER]: request.headers[PUBLISH_TIME_HEADER],
    [SUBSCRIPTION_HEADER]: request.headers[SUBSCRIPTION_HEADER],
  });
  if (!parsed.success) return { invalid: `push metadata headers: ${issues(parsed.error)}` };
  const h = parsed.data;
  return {
    data: request.body,
    attributes: {},
    ...(h[MESSAGE_ID_HEADER] !== undefined ? { messageId: h[MESSAGE_ID_HEADER] } : {}),
    ...(h[PUBLISH_TIME_HEADER] !== undefined ? { publishTime: h[PUBLISH_TIME_HEADER] } : {}),
    ...(h[SUBSCRIPTION_HEADER] !== undefined ? { subscription: h[SUBSCRIPTION_HEADER] } : {}),
  };
}

/** Strict base64: the characters, the padding and the trailing bits must all be canonical. */
export function decodeBase64(text: string): Buffer | undefined {
  if (text.length % 4 !== 0 || !BASE64_RE.test(text)) return undefined;
  const bytes = Buffer.from(text, "base64");
  return bytes.toString("base64") === text ? bytes : undefined;
}

// An envelope is a JSON object whose `message` is an object; an unwrapped GAR message never is.
function isEnvelope(json: unknown): boolean {
  return (
    typeof json === "object" &&
    json !== null &&
    !Array.isArray(json) &&
    typeof (json as { message?: unknown }).message === "object"
  );
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
}

/** The value both spellings agree on; null when they disagree. */
function agree(a: string | undefined, b: string | undefined): string | undefined | null {
  if (a !== undefined && b !== undefined && a !== b) return null;
  return a ?? b;
}

function issues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ")
    .slice(0, 1000);
}
