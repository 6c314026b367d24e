/**
 * A request to scan one image: what the event intake (ECR, GAR, on-demand) puts on the queue and
 * the scan worker takes off it. Small and JSON-serialisable: it travels in an SQS message body.
 */
export interface ScanJob {
  /** Job schema version, for workers draining a queue across a deploy. */
  v: 1;
  provider: "ecr" | "gar" | "registry";
  /** ECR: the AWS account that owns the repository; GAR: the project id. */
  account: string;
  /** ECR: the region; GAR: the location. */
  region: string;
  repository: string;
  /** Manifest digest the event named: scans are always by digest, never by a moving tag. */
  digest: string;
  tag?: string;
  /** Registry host, e.g. "123456789012.dkr.ecr.eu-west-1.amazonaws.com". */
  registry: string;
  /** Role to assume for cross-account pulls, when configured. */
  pullRoleArn?: string;
  /** Why the job exists: "push", "replication", "on-demand", "rescan". */
  reason: string;
  /** When the event happened (ISO 8601). */
  eventTime: string;
}

/** The stable key of an image across the system: provider, account, region, repository, digest. */
export function imageKey(
  job: Pick<ScanJob, "provider" | "account" | "region" | "repository" | "digest">,
): string {
  return `${job.provider}#${job.account}#${job.region}#${job.repository}@${job.digest}`;
}

/**
 * The name the image is pulled by, `host/path@digest`. GAR keys hold the project apart from the
 * repository (`gar#project#location#repo/image`), but its registry path starts with the project.
 */
export function imageName(
  job: Pick<ScanJob, "provider" | "account" | "registry" | "repository" | "digest">,
): string {
  const path = job.provider === "gar" ? `${job.account.replace(":", "/")}/${job.repository}` : job.repository;
  return `${job.registry}/${path}@${job.digest}`;
}

/** Where jobs go: SQS in AWS, an in-process queue locally. */
export interface ScanQueue {
  enqueue(jobs: readonly ScanJob[]): Promise<void>;
}
