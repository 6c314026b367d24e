import { mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { createTableInput } from "../../lib/aws/dynamo-create-table.js";

// dynalite and s3rver ship no type declarations; require keeps them out of the type checker.
const require = createRequire(import.meta.url);
const dynalite = require("dynalite") as (options: Record<string, unknown>) => Server;
const S3rver = require("s3rver") as new (
  options: Record<string, unknown>,
) => { run(): Promise<AddressInfo>; close(): Promise<void> };

const REGION = "us-east-1";
const CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export interface AwsEmulators {
  dynamoEndpoint: string;
  s3Endpoint: string;
  /** Buckets created at start. */
  buckets: string[];
  dynamoClient(): DynamoDBClient;
  s3Client(): S3Client;
  /** Closes both servers and removes s3rver's directory; safe to call twice. */
  stop(): Promise<void>;
}

/** dynalite (in memory) and s3rver (temp directory) on free loopback ports, inside this process. */
export async function startAwsEmulators(buckets: string[] = ["portcullis-test"]): Promise<AwsEmulators> {
  const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    dynamo.once("error", reject);
    dynamo.listen(0, "127.0.0.1", () => resolve());
  });
  const dynamoPort = (dynamo.address() as AddressInfo).port;

  const directory = await mkdtemp(join(tmpdir(), "portcullis-s3rver-"));
  const s3 = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port: s3Port } = await s3.run();

  const clients: Array<{ destroy(): void }> = [];
  let stopped = false;
  return {
    dynamoEndpoint: `http://127.0.0.1:${dynamoPort}`,
    s3Endpoint: `http://127.0.0.1:${s3Port}`,
    buckets,
    dynamoClient() {
      const client = new DynamoDBClient({
        endpoint: `http://127.0.0.1:${dynamoPort}`,
        region: REGION,
        credentials: CREDENTIALS,
      });
      clients.push(client);
      return client;
    },
    s3Client() {
      const client = new S3Client({
        endpoint: `http://127.0.0.1:${s3Port}`,
        region: REGION,
        credentials: CREDENTIALS,
        forcePathStyle: true,
      });
      clients.push(client);
      return client;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const client of clients) client.destroy();
      await new Promise<void>((resolve) => dynamo.close(() => resolve()));
      await s3.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** Creates the single table with its GSIs, as the CDK stack declares it. */
export async function createTable(client: DynamoDBClient, name: string): Promise<void> {
  await client.send(new CreateTableCommand(createTableInput(name)));
}
