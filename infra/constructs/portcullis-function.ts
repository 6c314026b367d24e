import { fileURLToPath } from "node:url";
import { type Duration, RemovalPolicy, type Size } from "aws-cdk-lib";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Architecture, Runtime, Tracing } from "aws-cdk-lib/aws-lambda";
import { LogLevel, NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { NagSuppressions } from "cdk-nag";
import { Construct } from "constructs";

/** The repository root: entries, package-lock.json and node_modules live there. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface PortcullisFunctionProps {
  /** Path of the handler file relative to the repository root, e.g. "functions/scan-worker.ts". */
  readonly entry: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly ephemeralStorageSize?: Size;
  readonly environment?: Record<string, string>;
  /** Caps concurrent instances, when a downstream limit must hold across all of them. */
  readonly reservedConcurrentExecutions?: number;
  /** Why the role needs other `Resource: *` statements besides X-Ray's, if it has any. */
  readonly unscopedResourceReason?: string;
  /** A fixed role name, for roles another account's trust policy names (absent: generated). */
  readonly roleName?: string;
}

/**
 * A Lambda function bundled locally by esbuild (offline synth, no Docker) with its own role and log
 * group, so no AWS managed policy is attached and logs permissions name one log group.
 */
export class PortcullisFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: PortcullisFunctionProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, "Logs", {
      retention: RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new Role(this, "Role", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: props.description,
      ...(props.roleName !== undefined ? { roleName: props.roleName } : {}),
    });
    logGroup.grantWrite(this.role);
    this.fn = new NodejsFunction(this, "Function", {
      entry: `${REPO_ROOT}${props.entry}`,
      handler: "handler",
      projectRoot: REPO_ROOT,
      depsLockFilePath: `${REPO_ROOT}package-lock.json`,
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memorySize,
      ...(props.reservedConcurrentExecutions !== undefined
        ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions }
        : {}),
      ephemeralStorageSize: props.ephemeralStorageSize,
      role: this.role,
      logGroup,
      tracing: Tracing.ACTIVE,
      environment: {
        POWERTOOLS_SERVICE_NAME: "portcullis",
        NODE_OPTIONS: "--enable-source-maps",
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: "node22",
        mainFields: ["module", "main"],
        minify: true,
        sourceMap: true,
        logLevel: LogLevel.WARNING,
        // CommonJS dependencies bundled into an ESM file still call require().
        banner:
          "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    });
    NagSuppressions.addResourceSuppressions(
      this.role,
      [
        {
          id: "AwsSolutions-IAM5",
          reason: [
            "X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions (active tracing).",
            props.unscopedResourceReason,
          ]
            .filter((part) => part !== undefined)
            .join(" "),
          appliesTo: ["Resource::*"],
        },
        {
          id: "AwsSolutions-IAM5",
          reason: "The log group ARN ends in :* to cover the function's log streams in its own log group.",
          appliesTo: [{ regex: "/^Resource::<.*Logs[0-9A-F]{8}\\.Arn>:\\*$/g" }],
        },
      ],
      true,
    );
    NagSuppressions.addResourceSuppressions(this.fn, [
      {
        id: "AwsSolutions-L1",
        reason: "nodejs22.x is pinned on purpose: the engine relies on node:zlib zstd (Node >= 22.15).",
      },
    ]);
  }
}
