import { Duration, Size } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { type IEventBus, Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import { NagSuppressions } from "cdk-nag";
import { Construct } from "constructs";
import { PortcullisFunction } from "./portcullis-function.js";

export const DEFAULT_DB_UPDATE_RATE = Duration.hours(6);
/** Where the updater keeps versions and manifests; the current key the workers read sits beside them. */
export const DB_PREFIX = "db/";

export interface DbUpdateFunctionProps {
  readonly dbBucket: IBucket;
  /** The bucket's KMS key: objects are written under it and read back (previous manifest and index). */
  readonly dataKey: IKey;
  /** The key the workers read (VULN_DB_KEY); must lie under DB_PREFIX. */
  readonly currentKey: string;
  readonly bus: IEventBus;
  readonly alarmTopic: ITopic;
  readonly rate?: Duration;
  /** Feed mirror base URLs, tried before the publishers' own locations. */
  readonly mirrors?: readonly string[];
  /** Only the mirrors, never the publishers (accounts without internet egress). */
  readonly mirrorsOnly?: boolean;
  /** OSV ecosystems in use; absent means all. */
  readonly ecosystems?: readonly string[];
  readonly keepVersions?: number;
  readonly maxCountDrop?: number;
}

/**
 * The scheduled DB builder: downloads the feeds, builds and validates the DB, publishes it to the
 * DB bucket and emits `Portcullis DB Updated`. A failed run throws, so its Errors alarm fires.
 */
export class DbUpdateFunction extends Construct {
  readonly function: PortcullisFunction;
  readonly rule: Rule;
  readonly errorsAlarm: Alarm;

  constructor(scope: Construct, id: string, props: DbUpdateFunctionProps) {
    super(scope, id);
    if (!props.currentKey.startsWith(DB_PREFIX)) {
      throw new Error(`the current DB key ${props.currentKey} must lie under ${DB_PREFIX}`);
    }
    const rate = props.rate ?? DEFAULT_DB_UPDATE_RATE;
    this.function = new PortcullisFunction(this, "Handler", {
      entry: "functions/db-update.ts",
      description: "Builds the vulnerability DB from the published feeds and publishes it to the DB bucket",
      // Downloading every OSV export and building takes minutes; the build holds all records in memory.
      timeout: Duration.minutes(15),
      memorySize: 4096,
      ephemeralStorageSize: Size.gibibytes(8),
      environment: {
        DB_BUCKET: props.dbBucket.bucketName,
        DB_KEY: props.currentKey,
        DB_PREFIX,
        EVENT_BUS_NAME: props.bus.eventBusName,
        WORK_DIR: "/tmp/portcullis-db-update",
        ...(props.mirrors?.length ? { FEED_MIRRORS: props.mirrors.join(",") } : {}),
        ...(props.mirrorsOnly ? { FEED_MIRRORS_ONLY: "true" } : {}),
        ...(props.ecosystems?.length ? { OSV_ECOSYSTEMS: props.ecosystems.join(",") } : {}),
        ...(props.keepVersions !== undefined ? { KEEP_VERSIONS: String(props.keepVersions) } : {}),
        ...(props.maxCountDrop !== undefined ? { MAX_COUNT_DROP: String(props.maxCountDrop) } : {}),
      },
    });
    // One failure is one alarm; the next scheduled run is the retry.
    this.function.fn.configureAsyncInvoke({ retryAttempts: 0 });
    this.grant(props);

    this.rule = new Rule(this, "Schedule", {
      description: `Rebuilds the vulnerability DB every ${rate.toHumanString()}`,
      schedule: Schedule.rate(rate),
    });
    this.rule.addTarget(new LambdaFunction(this.function.fn, { retryAttempts: 2 }));

    this.errorsAlarm = new Alarm(this, "ErrorsAlarm", {
      metric: this.function.fn.metricErrors({ period: Duration.minutes(5), statistic: "Sum" }),
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: "The vulnerability DB update failed; the previous DB stays published",
    });
    this.errorsAlarm.addAlarmAction(new SnsAction(props.alarmTopic));
  }

  private grant(props: DbUpdateFunctionProps): void {
    const role = this.function.role;
    const { dbBucket } = props;
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "ReadWriteVulnDb",
        // CopyObject (version → current key) is a GetObject on the source and a PutObject on the target.
        actions: ["s3:GetObject", "s3:PutObject"],
        resources: [dbBucket.arnForObjects(`${DB_PREFIX}*`)],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "PruneVulnDbVersions",
        actions: ["s3:DeleteObject"],
        resources: [dbBucket.arnForObjects(`${DB_PREFIX}versions/*`)],
      }),
    );
    // Listing finds the versions to prune; it also makes a missing manifest a 404 rather than a 403.
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "ListVulnDbBucket",
        actions: ["s3:ListBucket"],
        resources: [dbBucket.bucketArn],
      }),
    );
    props.dataKey.grant(role, "kms:Decrypt", "kms:GenerateDataKey");
    props.bus.grantPutEventsTo(role);
    NagSuppressions.addResourceSuppressions(
      role,
      [
        {
          id: "AwsSolutions-IAM5",
          reason:
            "DB files, indexes and manifests live under versioned keys below db/; deletes are limited to db/versions/.",
          appliesTo: [{ regex: "/^Resource::.*VulnDbBucket.*\\/db\\/(versions\\/)?\\*$/g" }],
        },
      ],
      true,
    );
  }
}
