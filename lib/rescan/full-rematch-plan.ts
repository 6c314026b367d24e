import type { ImageActivityReader } from "../aws/dynamo-image-activity.js";
import { type RematchMessage, rematchMessages } from "./rematch-message.js";

export interface FullRematchOptions {
  /** Images pushed or pulled within this many days are re-matched; older ones wait for use. */
  windowDays?: number;
  now: Date;
  batchSize?: number;
  dbBuiltAt?: string;
}

export const DEFAULT_WINDOW_DAYS = 90;

/**
 * The scheduled full re-match: every active image with activity in the window, cut into SQS
 * message bodies so many workers share the work (thousands of images within the hour).
 */
export async function planFullRematch(
  activity: ImageActivityReader,
  options: FullRematchOptions,
): Promise<RematchMessage[]> {
  const windowDays = options.windowDays ?? DEFAULT_WINDOW_DAYS;
  if (!(windowDays > 0)) throw new RangeError(`windowDays must be positive, got ${windowDays}`);
  const since = new Date(options.now.getTime() - windowDays * 86_400_000);
  const imageKeys = await activity.activeImagesBetween(since, options.now);
  return rematchMessages(imageKeys, {
    reason: "scheduled",
    plannedAt: options.now,
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    ...(options.dbBuiltAt ? { dbBuiltAt: options.dbBuiltAt } : {}),
  });
}
