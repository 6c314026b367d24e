import { DynamoFindingsStore } from "../aws/dynamo-findings-store.js";
import { S3BlobStore } from "../aws/s3-blob-store.js";
import { startLocalEmulators } from "./local-emulators.js";
import { LOCAL_BUCKET, LOCAL_TABLE_NAME } from "./local-server.js";

export interface LocalStore {
  store: DynamoFindingsStore;
  blobs: S3BlobStore;
  dynamoEndpoint: string;
  s3Endpoint: string;
  stop(): Promise<void>;
}

/**
 * The findings store and blob store `portcullis serve` keeps under its data dir, opened through
 * the same emulators, table and bucket, for tools that work on stored scans without serving.
 */
export async function openLocalStore(dataDir: string): Promise<LocalStore> {
  const emulators = await startLocalEmulators({ dataDir, tableName: LOCAL_TABLE_NAME, bucket: LOCAL_BUCKET });
  return {
    store: new DynamoFindingsStore(emulators.dynamo, LOCAL_TABLE_NAME),
    blobs: new S3BlobStore(emulators.s3, { bucket: LOCAL_BUCKET }),
    dynamoEndpoint: emulators.dynamoEndpoint,
    s3Endpoint: emulators.s3Endpoint,
    stop: () => emulators.stop(),
  };
}
