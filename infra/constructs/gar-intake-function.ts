import { CfnOutput, Duration } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { type FunctionUrl, FunctionUrlAuthType, InvokeMode } from "aws-cdk-lib/aws-lambda";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { PortcullisFunction } from "./portcullis-function.js";
import { grantMarkDeleted } from "./table-grants.js";

export interface GarIntakeFunctionProps {
  readonly queue: IQueue;
  readonly table: ITable;
  /** What the push subscription's OIDC token must carry: its audience and its signer. */
  readonly audience: string;
  readonly serviceAccountEmail: string;
}

/**
 * The HTTPS endpoint of the Pub/Sub push subscription on Artifact Registry's `gcr` topic. Pub/Sub
 * cannot sign requests with SigV4, so the URL is public and the function itself rejects every
 * request whose Google-signed OIDC token is not for this audience and service account.
 */
export class GarIntakeFunction extends Construct {
  readonly function: PortcullisFunction;
  readonly url: FunctionUrl;

  constructor(scope: Construct, id: string, props: GarIntakeFunctionProps) {
    super(scope, id);
    this.function = new PortcullisFunction(this, "Function", {
      entry: "functions/gar-intake.ts",
      description: "Verifies Artifact Registry pushes from Pub/Sub (OIDC) and queues scans",
      timeout: Duration.seconds(15),
      memorySize: 256,
      // Bounds what a flood of unauthenticated requests can cost; Pub/Sub backs off on 429/503.
      reservedConcurrentExecutions: 20,
      environment: {
        QUEUE_URL: props.queue.queueUrl,
        TABLE_NAME: props.table.tableName,
        PUSH_AUDIENCE: props.audience,
        PUSH_SERVICE_ACCOUNT: props.serviceAccountEmail,
      },
    });
    props.queue.grantSendMessages(this.function.role);
    grantMarkDeleted(props.table, this.function.role);
    this.url = this.function.fn.addFunctionUrl({
      authType: FunctionUrlAuthType.NONE,
      invokeMode: InvokeMode.BUFFERED,
    });
    new CfnOutput(this, "PushEndpoint", {
      description: "The push endpoint of the Pub/Sub subscription on the gcr topic",
      value: this.url.url,
    });
  }
}
