import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2 } from "aws-lambda";
import type { DashboardPrincipal } from "../lib/dashboard/api-contract.js";
import { DynamoDashboardQueries } from "../lib/dashboard/dashboard-queries.js";
import { type DashboardRouterDeps, routeDashboardRequest } from "../lib/dashboard/dashboard-router.js";
import type { Logger } from "../lib/logger.js";
import { optionalEnv, requiredEnv } from "./aws-env.js";
import { loggerPort } from "./powertools-logger.js";
import { traced } from "./powertools-tracer.js";

/** Signed report and SBOM links live this long: enough to start the download, not to share. */
const DOWNLOAD_URL_SECONDS = 300;

export type DashboardApiDeps = DashboardRouterDeps & { logger: Logger };

/**
 * API Gateway HTTP API (payload 2.0) behind a Cognito JWT authorizer. API Gateway has verified the
 * token before we run; the claims say who asks. `cognito:groups` reaches us as a string, either
 * "[a b]" or a JSON array, depending on how the authorizer flattened it: both are read.
 */
export function createHandler(
  deps: DashboardApiDeps,
): (event: APIGatewayProxyEventV2WithJWTAuthorizer) => Promise<APIGatewayProxyResultV2> {
  return async (event) => {
    const query: Record<string, string | undefined> = { ...(event.queryStringParameters ?? {}) };
    try {
      const response = await routeDashboardRequest(
        {
          method: event.requestContext?.http?.method ?? "GET",
          path: routePath(event),
          query,
          ...principalOf(event),
        },
        deps,
      );
      return { statusCode: response.status, headers: response.headers, body: response.body };
    } catch (err) {
      deps.logger.error("dashboard request failed", {
        requestId: event.requestContext?.requestId,
        path: event.rawPath?.slice(0, 300),
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      });
      return {
        statusCode: 500,
        headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
        body: JSON.stringify({ error: "internal error" }),
      };
    }
  };
}

/** rawPath carries the stage name unless the stage is `$default`: routes start at /api. */
function routePath(event: APIGatewayProxyEventV2WithJWTAuthorizer): string {
  const path = event.rawPath ?? "/";
  const stage = event.requestContext?.stage;
  if (stage && stage !== "$default" && path.startsWith(`/${stage}/`)) return path.slice(stage.length + 1);
  return path;
}

function principalOf(event: APIGatewayProxyEventV2WithJWTAuthorizer): { principal?: DashboardPrincipal } {
  const claims = event.requestContext?.authorizer?.jwt?.claims;
  const subject = claims?.sub;
  if (typeof subject !== "string" || subject.length === 0) return {};
  return { principal: { subject, groups: parseGroups(claims?.["cognito:groups"]) } };
}

/** "[a b]", '["a","b"]', "a", or an actual array (a REST API or a test may pass one). */
export function parseGroups(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === "string");
  if (typeof value !== "string") return [];
  const text = value.trim();
  if (text.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed.filter((g): g is string => typeof g === "string");
    } catch {
      // Not JSON: API Gateway's "[a b]" form.
    }
    return text
      .slice(1, text.endsWith("]") ? -1 : undefined)
      .split(/[\s,]+/)
      .filter(Boolean);
  }
  return text.split(/[\s,]+/).filter(Boolean);
}

let real: ((event: APIGatewayProxyEventV2WithJWTAuthorizer) => Promise<APIGatewayProxyResultV2>) | undefined;

/** The deployed handler. Env: TABLE_NAME (required), BUCKET_NAME (reports; without it, no downloads). */
export const handler = (event: APIGatewayProxyEventV2WithJWTAuthorizer): Promise<APIGatewayProxyResultV2> => {
  if (!real) {
    const bucket = optionalEnv("BUCKET_NAME");
    const s3 = bucket ? new S3Client({}) : undefined;
    real = createHandler({
      queries: new DynamoDashboardQueries(traced(new DynamoDBClient({})), requiredEnv("TABLE_NAME")),
      ...(bucket && s3
        ? {
            signDownload: (key: string) =>
              getSignedUrl(
                s3,
                new GetObjectCommand({
                  Bucket: bucket,
                  Key: key,
                  // Saved as a file, named after the object, rather than shown in the tab.
                  ResponseContentDisposition: `attachment; filename="${key
                    .split("/")
                    .pop()
                    ?.replace(/[^\w.-]/g, "_")}"`,
                }),
                {
                  expiresIn: DOWNLOAD_URL_SECONDS,
                },
              ),
          }
        : {}),
      logger: loggerPort(new PowertoolsLogger({ serviceName: "portcullis-dashboard-api" })),
    });
  }
  return real(event);
};
