import { SQSClient } from "@aws-sdk/client-sqs";
import { SqsScanQueue } from "../../lib/aws/sqs-scan-queue.js";
import { parseReference } from "../../lib/image/reference.js";
import { dockerConfigCredentials } from "../../lib/image/registry/docker-config.js";
import { RegistrySource } from "../../lib/image/registry/registry-source.js";
import { submitScan } from "../../lib/pipeline/submit-scan.js";
import { dockerConfigDir } from "../docker-config-dir.js";
import { stderrLogger } from "../stderr-logger.js";

/**
 * `portcullis submit <image> --queue-url <url>`: asks the deployed pipeline to scan an image now,
 * by putting the same job a push would make on its scan queue (AWS credentials from the usual chain).
 */
export async function runSubmit(
  image: string,
  opts: { queueUrl: string; centralAccount?: string; pullRoleTemplate?: string; insecure?: boolean },
): Promise<void> {
  const logger = stderrLogger();
  const credentials = dockerConfigCredentials({ configDir: dockerConfigDir(), logger });
  const job = await submitScan(image, {
    queue: new SqsScanQueue({ client: new SQSClient({}), queueUrl: opts.queueUrl, logger }),
    resolveTag: async (registry, repository, tag) =>
      (
        await new RegistrySource(parseReference(`${registry}/${repository}:${tag}`), {
          insecure: opts.insecure,
          credentials,
          logger,
        }).fetchManifest()
      ).digest,
    ...(opts.centralAccount ? { centralAccount: opts.centralAccount } : {}),
    ...(opts.pullRoleTemplate ? { pullRoleArnTemplate: opts.pullRoleTemplate } : {}),
  });
  process.stdout.write(`queued ${job.registry}/${job.repository}@${job.digest}\n`);
}
