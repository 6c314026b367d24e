import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { type SnapshotResult, takeDashboardSnapshot } from "../lib/dashboard/dashboard-snapshot.js";
import type { Logger } from "../lib/logger.js";
import { requiredEnv } from "./aws-env.js";
import { loggerPort } from "./powertools-logger.js";
import { traced } from "./powertools-tracer.js";

export interface DashboardSnapshotDeps {
  doc: DynamoDBDocumentClient;
  tableName: string;
  now?: () => Date;
  logger: Logger;
}

/**
 * Scheduled (every 3 hours): records today's open counts for the trend and recomputes the top
 * vulnerabilities. Each run replaces today's point, so the day keeps its last value.
 */
export function createHandler(deps: DashboardSnapshotDeps): (event: unknown) => Promise<SnapshotResult> {
  return async () => {
    const result = await takeDashboardSnapshot({
      doc: deps.doc,
      tableName: deps.tableName,
      now: (deps.now ?? (() => new Date()))(),
      replace: true,
    });
    deps.logger.info("dashboard snapshot", { ...result });
    return result;
  };
}

let real: ((event: unknown) => Promise<SnapshotResult>) | undefined;

/** The deployed handler. Env: TABLE_NAME. */
export const handler = (event: unknown): Promise<SnapshotResult> => {
  real ??= createHandler({
    doc: DynamoDBDocumentClient.from(traced(new DynamoDBClient({})), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    tableName: requiredEnv("TABLE_NAME"),
    logger: loggerPort(new PowertoolsLogger({ serviceName: "portcullis-dashboard-snapshot" })),
  });
  return real(event);
};
