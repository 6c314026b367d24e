import { readFileSync } from "node:fs";
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHandler, parseGroups } from "../../functions/dashboard-api.js";
import { DynamoFindingsStore } from "../../lib/aws/dynamo-findings-store.js";
import type { ImageRow, Page } from "../../lib/dashboard/api-contract.js";
import { DynamoDashboardQueries } from "../../lib/dashboard/dashboard-queries.js";
import type { Logger } from "../../lib/logger.js";
import { silentLogger } from "../../lib/logger.js";
import { type AwsEmulators, createTable, startAwsEmulators } from "../helpers/aws-emulators.js";
import { type SeededFleet, seedFleet } from "../helpers/dashboard-seed.js";

const fixture = (): APIGatewayProxyEventV2WithJWTAuthorizer =>
  JSON.parse(
    readFileSync(new URL("../fixtures/events/apigw-http-jwt-request.json", import.meta.url), "utf8"),
  ) as APIGatewayProxyEventV2WithJWTAuthorizer;

let emulators: AwsEmulators;
let fleet: SeededFleet;
let handler: ReturnType<typeof createHandler>;

beforeAll(async () => {
  emulators = await startAwsEmulators();
  const client = emulators.dynamoClient();
  await createTable(client, "api");
  // The fixture's principal is limited to account 111122223333: seed that one and two others.
  const store = new DynamoFindingsStore(client, "api");
  fleet = await seedFleet(store, {
    accounts: 3,
    reposPerAccount: 1,
    imagesPerRepo: 3,
    findingsPerImage: 10,
    seed: 5,
  });
  const own = await seedFleet(
    {
      putScan: (job, summary, findings) =>
        store.putScan({ ...job, account: "111122223333" }, { ...summary, imageKey: "" }, findings),
    },
    { accounts: 1, reposPerAccount: 1, imagesPerRepo: 3, findingsPerImage: 10, seed: 6 },
  );
  expect(own.images).toHaveLength(3);
  handler = createHandler({ queries: new DynamoDashboardQueries(client, "api"), logger: silentLogger });
}, 60_000);
afterAll(async () => {
  await emulators?.stop();
});

async function call(
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
): Promise<APIGatewayProxyStructuredResultV2> {
  return (await handler(event)) as APIGatewayProxyStructuredResultV2;
}

describe("dashboard-api handler", () => {
  it("reads the principal from the JWT authorizer's claims and scopes it to its account groups", async () => {
    const response = await call(fixture());
    expect(response.statusCode).toBe(200);
    expect(response.headers?.["cache-control"]).toBe("no-store");
    const page = JSON.parse(response.body as string) as Page<ImageRow>;
    expect(page.items).toHaveLength(2);
    expect(page.items.every((i) => i.account === "111122223333")).toBe(true);
    expect(page.next).toBeDefined();
  });

  it("accepts cognito:groups as a JSON array string too", async () => {
    const event = fixture();
    const claims = event.requestContext.authorizer.jwt.claims;
    claims["cognito:groups"] = JSON.stringify(["portcullis-viewers"]);
    event.queryStringParameters = { limit: "500" };
    const page = JSON.parse((await call(event)).body as string) as Page<ImageRow>;
    expect(page.items).toHaveLength(fleet.images.length + 3);
  });

  it("routes the same path under a named stage", async () => {
    const event = fixture();
    event.requestContext.stage = "prod";
    event.rawPath = "/prod/api/summary";
    const response = await call(event);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body as string)).toMatchObject({ images: 3 });
  });

  it("answers 403 without the viewer group and 401 without a subject", async () => {
    const noGroup = fixture();
    noGroup.requestContext.authorizer.jwt.claims["cognito:groups"] = "[account-111122223333]";
    expect((await call(noGroup)).statusCode).toBe(403);
    const noGroups = fixture();
    delete noGroups.requestContext.authorizer.jwt.claims["cognito:groups"];
    expect((await call(noGroups)).statusCode).toBe(403);
    const anonymous = fixture();
    delete anonymous.requestContext.authorizer.jwt.claims.sub;
    expect((await call(anonymous)).statusCode).toBe(401);
  });

  it("turns an unexpected failure into a logged 500 without details", async () => {
    const errors: string[] = [];
    const logger: Logger = { ...silentLogger, error: (message) => void errors.push(message) };
    const failing = createHandler({
      queries: {
        images: async () => {
          throw new Error("DynamoDB is down: arn:aws:dynamodb:secret");
        },
      } as unknown as DynamoDashboardQueries,
      logger,
    });
    const response = (await failing(fixture())) as APIGatewayProxyStructuredResultV2;
    expect(response.statusCode).toBe(500);
    expect(response.body).toBe('{"error":"internal error"}');
    expect(errors).toEqual(["dashboard request failed"]);
  });

  it("parses every form API Gateway passes groups in", () => {
    expect(parseGroups("[portcullis-viewers account-1]")).toEqual(["portcullis-viewers", "account-1"]);
    expect(parseGroups('["portcullis-viewers","account-1"]')).toEqual(["portcullis-viewers", "account-1"]);
    expect(parseGroups("portcullis-viewers")).toEqual(["portcullis-viewers"]);
    expect(parseGroups(["a", 1])).toEqual(["a"]);
    expect(parseGroups("[]")).toEqual([]);
    expect(parseGroups(undefined)).toEqual([]);
  });
});
