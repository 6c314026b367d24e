import { mkdir } from "node:fs/promises";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { createTableInput } from "../aws/dynamo-create-table.js";

// dynalite and s3rver ship no type declarations; require keeps them out of the type checker.
const require = createRequire(import.meta.url);
const dynalite = require("dynalite") as (options: Record<string, unknown>) => Server;
const S3rver = require("s3rver") as new (
  options: Record<string, unknown>,
) => { run(): Promise<AddressInfo>; close(): Promise<void> };

// The emulators accept any credentials; the SDK just needs some, and a region.
const REGION = "us-east-1";
const CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export interface LocalEmulators {
  dynamoEndpoint: string;
  s3Endpoint: string;
  dynamo: DynamoDBClient;
  s3: S3Client;
  stop(): Promise<void>;
}

/**
 * dynalite and s3rver on free loopback ports, both persisting under `dataDir` (dynamodb/, s3/), so
 * a restarted server finds its images and reports again. Creates the table when it is missing.
 */
export async function startLocalEmulators(options: {
  dataDir: string;
  tableName: string;
  bucket: string;
}): Promise<LocalEmulators> {
  const dynamoDir = join(options.dataDir, "dynamodb");
  const s3Dir = join(options.dataDir, "s3");
  await mkdir(dynamoDir, { recursive: true });
  await mkdir(s3Dir, { recursive: true });

  const dynamoServer = dynalite({ path: dynamoDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    dynamoServer.once("error", reject);
    dynamoServer.listen(0, "127.0.0.1", () => resolve());
  });
  const dynamoEndpoint = `http://127.0.0.1:${(dynamoServer.address() as AddressInfo).port}`;
  const s3Server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory: s3Dir,
    configureBuckets: [{ name: options.bucket }],
  });
  let s3Port: number;
  try {
    s3Port = (await s3Server.run()).port;
  } catch (err) {
    await new Promise<void>((resolve) => dynamoServer.close(() => resolve()));
    throw err;
  }
  const s3Endpoint = `http://127.0.0.1:${s3Port}`;
  const dynamo = new DynamoDBClient({ endpoint: dynamoEndpoint, region: REGION, credentials: CREDENTIALS });
  const s3 = new S3Client({
    endpoint: s3Endpoint,
    region: REGION,
    credentials: CREDENTIALS,
    forcePathStyle: true,
  });

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      dynamo.destroy();
      s3.destroy();
      // dynalite closes its LevelDB with the server: the data is on disk once this resolves.
      await new Promise<void>((resolve) => dynamoServer.close(() => resolve()));
      await s3Server.close();
    })();
    return stopped;
  };
  try {
    await ensureTable(dynamo, options.tableName);
  } catch (err) {
    await stop();
    throw err;
  }
  return { dynamoEndpoint, s3Endpoint, dynamo, s3, stop };
}

async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (err) {
    if ((err as Error).name !== "ResourceNotFoundException") throw err;
  }
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  for (let i = 0; i < 100; i++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === "ACTIVE") return;
    await new Promise((r) => setTimeout(r, 20));
  }
}
