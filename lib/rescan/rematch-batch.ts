import { type RematchDeps, type RematchOutcome, rematchImage } from "./rematch-image.js";

export interface RematchFailure {
  imageKey: string;
  reason: string;
}

export interface BatchResult {
  outcomes: RematchOutcome[];
  /** Images to try again (the SQS adapter reports the message as a batch item failure). */
  failures: RematchFailure[];
}

/**
 * Re-matches a message's images a few at a time: reads and writes overlap matching, and one
 * image's failure does not stop the others.
 */
export async function rematchBatch(
  imageKeys: readonly string[],
  deps: RematchDeps,
  options: { concurrency?: number } = {},
): Promise<BatchResult> {
  const outcomes: RematchOutcome[] = [];
  const failures: RematchFailure[] = [];
  let next = 0;
  const worker = async () => {
    while (next < imageKeys.length) {
      const imageKey = imageKeys[next++] as string;
      try {
        outcomes.push(await rematchImage(imageKey, deps));
      } catch (err) {
        const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        deps.logger.error("re-match failed", { imageKey, error: reason });
        failures.push({ imageKey, reason });
      }
    }
  };
  const concurrency = Math.max(1, options.concurrency ?? 4);
  await Promise.all(Array.from({ length: Math.min(concurrency, imageKeys.length) }, worker));
  return { outcomes, failures };
}
