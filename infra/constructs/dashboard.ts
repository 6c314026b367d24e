import { CfnOutput, Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import { type CfnStage, HttpApi, HttpMethod, HttpStage } from "aws-cdk-lib/aws-apigatewayv2";
import { HttpJwtAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  OriginRequestPolicy,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from "aws-cdk-lib/aws-cloudfront";
import { HttpOrigin, S3BucketOrigin } from "aws-cdk-lib/aws-cloudfront-origins";
import {
  AccountRecovery,
  type CfnUserPoolClient,
  CfnUserPoolGroup,
  FeaturePlan,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
} from "aws-cdk-lib/aws-cognito";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type IBucket,
  ObjectOwnership,
} from "aws-cdk-lib/aws-s3";
import { BucketDeployment, CacheControl, Source } from "aws-cdk-lib/aws-s3-deployment";
import { NagSuppressions } from "cdk-nag";
import { Construct } from "constructs";
import { VIEWER_GROUP } from "../../lib/dashboard/api-contract.js";
import { PortcullisFunction, REPO_ROOT } from "./portcullis-function.js";

export interface DashboardProps {
  readonly table: ITable;
  readonly reportBucket: IBucket;
  readonly dataKey: IKey;
  /** A globally unique prefix for the Cognito hosted UI domain (`<prefix>.auth.<region>.amazoncognito.com`). */
  readonly cognitoDomainPrefix: string;
}

/**
 * The dashboard: a static page on S3 behind CloudFront, and a read-only API (API Gateway HTTP API →
 * Lambda) on the same origin under /api/. Users sign in with Cognito (hosted UI, authorization code +
 * PKCE, MFA required, no self sign-up); API Gateway checks the JWT and the function checks the
 * `portcullis-viewers` group and any `account-<id>` scoping.
 */
export class Dashboard extends Construct {
  readonly api: PortcullisFunction;
  readonly snapshot: PortcullisFunction;
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  readonly distribution: Distribution;
  readonly siteBucket: Bucket;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.userPool = new UserPool(this, "Users", {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 14,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new CfnUserPoolGroup(this, "Viewers", {
      userPoolId: this.userPool.userPoolId,
      groupName: VIEWER_GROUP,
      description: "May read the Portcullis dashboard; add account-<id> groups to limit to accounts",
    });
    const domain = this.userPool.addDomain("Domain", {
      cognitoDomain: { domainPrefix: props.cognitoDomainPrefix },
    });

    this.siteBucket = new Bucket(this, "Site", {
      // Only the page's own files live here (no findings): S3-managed keys let CloudFront read it by OAC.
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const logs = new Bucket(this, "CdnLogs", {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // CloudFront standard logs are delivered with an ACL grant.
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.api = new PortcullisFunction(this, "Api", {
      entry: "functions/dashboard-api.ts",
      description: "Read-only dashboard API over the findings table's indexes",
      timeout: Duration.seconds(15),
      memorySize: 512,
      environment: {
        TABLE_NAME: props.table.tableName,
        BUCKET_NAME: props.reportBucket.bucketName,
      },
    });
    // Key lookups and Queries only: the API never scans the table, so its role cannot.
    this.api.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "QueryTable",
        actions: ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"],
        resources: [props.table.tableArn, `${props.table.tableArn}/index/*`],
      }),
    );
    // Download links: the function signs GETs of reports and SBOMs; it reads nothing else in S3.
    this.api.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "SignReportDownloads",
        actions: ["s3:GetObject"],
        resources: [
          props.reportBucket.arnForObjects("reports/*"),
          props.reportBucket.arnForObjects("sboms/*"),
        ],
      }),
    );
    props.dataKey.grant(this.api.role, "kms:Decrypt");

    const accessLogs = new LogGroup(this, "ApiAccessLogs", {
      retention: RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const httpApi = new HttpApi(this, "HttpApi", {
      description: "Portcullis dashboard API",
      // Same origin as the page (CloudFront routes /api/*): no CORS needed.
      createDefaultStage: false,
    });
    const stage = new HttpStage(this, "Stage", {
      httpApi,
      stageName: "$default",
      autoDeploy: true,
      throttle: { rateLimit: 50, burstLimit: 100 },
    });
    const cfnStage = stage.node.defaultChild as CfnStage;
    cfnStage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: "$context.requestId",
        ip: "$context.identity.sourceIp",
        user: "$context.authorizer.claims.sub",
        method: "$context.httpMethod",
        path: "$context.path",
        status: "$context.status",
        latency: "$context.responseLatency",
      }),
    };

    this.client = this.userPool.addClient("Web", {
      generateSecret: false,
      authFlows: {},
      preventUserExistenceErrors: true,
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL],
        callbackUrls: ["https://localhost/"],
      },
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });
    const authorizer = new HttpJwtAuthorizer(
      "Cognito",
      `https://cognito-idp.${stack.region}.amazonaws.com/${this.userPool.userPoolId}`,
      { jwtAudience: [this.client.userPoolClientId] },
    );
    httpApi.addRoutes({
      path: "/api/{proxy+}",
      methods: [HttpMethod.GET],
      integration: new HttpLambdaIntegration("ApiIntegration", this.api.fn),
      authorizer,
    });

    const headers = new ResponseHeadersPolicy(this, "SecurityHeaders", {
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: `default-src 'self'; connect-src 'self' https://${props.cognitoDomainPrefix}.auth.${stack.region}.amazoncognito.com; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
      },
    });
    this.distribution = new Distribution(this, "Cdn", {
      comment: "Portcullis dashboard",
      defaultRootObject: "index.html",
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.siteBucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
      },
      additionalBehaviors: {
        "/api/*": {
          origin: new HttpOrigin(`${httpApi.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
          // Findings are per user and change with every scan: never cached, Authorization forwarded.
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: headers,
        },
      },
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: "dashboard/",
    });
    const siteUrl = `https://${this.distribution.distributionDomainName}/`;
    const cfnClient = this.client.node.defaultChild as CfnUserPoolClient;
    cfnClient.callbackUrLs = [siteUrl];
    cfnClient.logoutUrLs = [siteUrl];

    new BucketDeployment(this, "Deploy", {
      sources: [
        Source.asset(`${REPO_ROOT}dashboard`),
        Source.jsonData("config.json", {
          apiBase: "/api",
          auth: {
            cognitoDomain: `https://${domain.domainName}.auth.${stack.region}.amazoncognito.com`,
            clientId: this.client.userPoolClientId,
            redirectUri: siteUrl,
          },
        }),
      ],
      destinationBucket: this.siteBucket,
      // A minute of caching instead of invalidations, whose IAM actions take no resource scope.
      cacheControl: [CacheControl.maxAge(Duration.minutes(1))],
      retainOnDelete: false,
    });

    this.snapshot = new PortcullisFunction(this, "Snapshot", {
      entry: "functions/dashboard-snapshot.ts",
      description: "Records today's open-finding counts and top vulnerabilities for the dashboard",
      timeout: Duration.minutes(5),
      memorySize: 512,
      environment: { TABLE_NAME: props.table.tableName },
    });
    props.table.grantReadWriteData(this.snapshot.role);
    // Reads every open finding (GSI4 Queries): every 3 hours keeps the top lists fresh at a small cost.
    new Rule(this, "SnapshotSchedule", {
      description: "Snapshot open findings and top vulnerabilities for the dashboard",
      schedule: Schedule.rate(Duration.hours(3)),
    }).addTarget(new LambdaFunction(this.snapshot.fn, { retryAttempts: 2 }));

    new CfnOutput(this, "Url", { description: "The dashboard", value: siteUrl });
    new CfnOutput(this, "UserPoolId", {
      description: `Add users here, in the ${VIEWER_GROUP} group`,
      value: this.userPool.userPoolId,
    });
    this.suppressNag();
  }

  private suppressNag(): void {
    const stack = Stack.of(this);
    for (const fn of [this.api, this.snapshot]) {
      NagSuppressions.addResourceSuppressions(
        fn.role,
        [
          {
            id: "AwsSolutions-IAM5",
            reason:
              "Queries run on the table's GSIs (<table>/index/*); downloads are signed for per-image report and SBOM keys.",
            appliesTo: [
              { regex: "/^Resource::.*Table.*\\/index\\/\\*$/g" },
              { regex: "/^Resource::.*ReportBucket.*\\/(reports|sboms)\\/\\*$/g" },
              "Action::kms:ReEncrypt*",
              "Action::kms:GenerateDataKey*",
            ],
          },
        ],
        true,
      );
    }
    NagSuppressions.addResourceSuppressions(this.siteBucket, [
      {
        id: "AwsSolutions-S1",
        reason: "Holds only the page's static files; requests are logged by CloudFront's standard logs.",
      },
    ]);
    NagSuppressions.addResourceSuppressions(this.node.findChild("CdnLogs"), [
      {
        id: "AwsSolutions-S1",
        reason: "This is the CloudFront log target; logging it into itself would loop.",
      },
    ]);
    NagSuppressions.addResourceSuppressions(this.distribution, [
      {
        id: "AwsSolutions-CFR1",
        reason:
          "Security teams sign in from anywhere; Cognito with MFA is the access control, not geography.",
      },
      {
        id: "AwsSolutions-CFR2",
        reason:
          "Every API request needs a Cognito JWT and is throttled at the stage; a WAF web ACL can be attached by the operator.",
      },
      {
        id: "AwsSolutions-CFR4",
        reason:
          "The default *.cloudfront.net certificate; with a custom domain, set a certificate and TLSv1.2_2021.",
      },
    ]);
    // The CDK BucketDeployment provider is a stack-level singleton: suppress on it alone.
    for (const child of stack.node.children) {
      if (!child.node.id.startsWith("Custom::CDKBucketDeployment")) continue;
      NagSuppressions.addResourceSuppressions(
        child,
        [
          {
            id: "AwsSolutions-IAM4",
            reason: "The CDK BucketDeployment provider uses AWSLambdaBasicExecutionRole for its own logs.",
          },
          {
            id: "AwsSolutions-IAM5",
            reason: "The CDK BucketDeployment provider copies the page's files into the site bucket.",
          },
          {
            id: "AwsSolutions-L1",
            reason: "The CDK BucketDeployment provider's runtime is chosen by aws-cdk-lib.",
          },
        ],
        true,
      );
    }
  }
}
