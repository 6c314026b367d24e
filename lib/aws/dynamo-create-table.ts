import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import { ATTRIBUTES, INDEXES, TABLE_KEYS } from "./table-design.js";

/**
 * CreateTable input for the single-table design, for local emulators and `portcullis serve`
 * (the CDK stack declares the same table from the same constants). On-demand billing.
 */
export function createTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: ATTRIBUTES.map(({ name, type }) => ({ AttributeName: name, AttributeType: type })),
    KeySchema: [
      { AttributeName: TABLE_KEYS.partitionKey, KeyType: "HASH" },
      { AttributeName: TABLE_KEYS.sortKey, KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: Object.values(INDEXES).map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: "HASH" },
        { AttributeName: index.sortKey, KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: index.projection },
    })),
  };
}
