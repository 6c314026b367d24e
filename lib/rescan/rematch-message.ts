import { z } from "zod";

/** Images per SQS message: one worker invocation re-matches them well inside its timeout. */
export const DEFAULT_REMATCH_BATCH = 25;
/** Upper bound per message: ~100 keys of ≤ 1 KB stay far below SQS's 256 KiB body limit. */
export const MAX_REMATCH_BATCH = 100;

export const rematchMessageSchema = z.strictObject({
  v: z.literal(1),
  kind: z.literal("rematch"),
  /** "db-update": images affected by changed advisories; "scheduled": the periodic full re-match. */
  reason: z.enum(["db-update", "scheduled"]),
  imageKeys: z.array(z.string().min(1).max(1024)).min(1).max(MAX_REMATCH_BATCH),
  plannedAt: z.iso.datetime(),
  /** The DB build the plan was made for, when known; a worker with an older DB retries later. */
  dbBuiltAt: z.string().max(64).optional(),
});

/** One SQS message body of the re-match fan-out. */
export type RematchMessage = z.infer<typeof rematchMessageSchema>;

/** Parses an SQS body; throws a ZodError (or SyntaxError) the handler reports as a bad message. */
export function parseRematchMessage(body: string): RematchMessage {
  return rematchMessageSchema.parse(JSON.parse(body));
}

export interface BatchOptions {
  reason: RematchMessage["reason"];
  plannedAt: Date;
  batchSize?: number;
  dbBuiltAt?: string;
}

/** Cuts image keys into message bodies of at most batchSize keys each. */
export function rematchMessages(imageKeys: readonly string[], options: BatchOptions): RematchMessage[] {
  const size = Math.min(
    MAX_REMATCH_BATCH,
    Math.max(1, Math.floor(options.batchSize ?? DEFAULT_REMATCH_BATCH)),
  );
  const messages: RematchMessage[] = [];
  for (let i = 0; i < imageKeys.length; i += size) {
    messages.push({
      v: 1,
      kind: "rematch",
      reason: options.reason,
      imageKeys: imageKeys.slice(i, i + size),
      plannedAt: options.plannedAt.toISOString(),
      ...(options.dbBuiltAt ? { dbBuiltAt: options.dbBuiltAt } : {}),
    });
  }
  return messages;
}
