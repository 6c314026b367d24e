import { InvalidReferenceError } from "../errors.js";
import { parseReference } from "../image/reference.js";
import type { ScanJob, ScanQueue } from "../stores/scan-job.js";
import { type IntakeConfig, jobFromScanRequest } from "./ecr-events.js";

export interface SubmitOptions extends IntakeConfig {
  queue: ScanQueue;
  /** Resolves a tag to the digest it points at now (a manifest GET); jobs are always by digest. */
  resolveTag: (registry: string, repository: string, tag: string) => Promise<string>;
  reason?: string;
}

/**
 * The on-demand "scan this image" call: the same job a push event makes, on the same queue, so
 * the same worker, idempotency and storage apply.
 */
export async function submitScan(image: string, options: SubmitOptions): Promise<ScanJob> {
  const ref = parseReference(image);
  const result = await jobFromScanRequest(
    {
      registry: ref.registry,
      repository: ref.repository,
      ...(ref.digest ? { digest: ref.digest } : {}),
      ...(ref.tag ? { tag: ref.tag } : {}),
      reason: options.reason ?? "on-demand",
    },
    options,
  );
  if ("invalid" in result) throw new InvalidReferenceError(`${image}: ${result.invalid}`);
  await options.queue.enqueue([result.job]);
  return result.job;
}
