import { Tracer } from "@aws-lambda-powertools/tracer";

/**
 * X-Ray segments for every AWS SDK call the functions make. Outside Lambda (tests, `serve`) the
 * tracer is disabled and hands the client back unchanged.
 */
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "portcullis" });

export function traced<T>(client: T): T {
  return tracer.captureAWSv3Client(client);
}
