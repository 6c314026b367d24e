import { CfnOutput, Duration, Stack, type StackProps } from "aws-cdk-lib";
import { EventBus, Rule } from "aws-cdk-lib/aws-events";
import { EventBus as EventBusTarget } from "aws-cdk-lib/aws-events-targets";
import {
  AccountPrincipal,
  PolicyDocument,
  PolicyStatement,
  Role,
  ServicePrincipal,
} from "aws-cdk-lib/aws-iam";
import { NagSuppressions } from "cdk-nag";
import type { Construct } from "constructs";
import { scannerRoleArns } from "../central-roles.js";
import { DEFAULT_PULL_ROLE_NAME_TEMPLATE } from "../config.js";
import { ECR_EVENT_PATTERN } from "./stateless-stack.js";

/** The central bus the stateless stack creates; member rules target it by ARN. */
export const CENTRAL_BUS_NAME = "portcullis";

/** Read-only: pull manifests and layers, list repositories and images. Nothing that writes. */
export const PULL_ROLE_REPOSITORY_ACTIONS = [
  "ecr:BatchGetImage",
  "ecr:GetDownloadUrlForLayer",
  "ecr:BatchCheckLayerAvailability",
  "ecr:DescribeImages",
  "ecr:DescribeRepositories",
] as const;

export interface MemberAccountStackProps extends StackProps {
  /** The security account that runs the Portcullis central stacks. */
  readonly centralAccountId: string;
  /** The region of the central stacks: the bus lives there and the scanner role names include it. */
  readonly centralRegion: string;
  readonly centralBusName?: string;
  /** When set, only principals of this organization may assume the pull role. */
  readonly organizationId?: string;
  /** When set, the pull role requires this sts:ExternalId (the central side's pullExternalId). */
  readonly pullExternalId?: string;
  /** The central config's template; `{account}` becomes this stack's own account (a token in a StackSet). */
  readonly pullRoleNameTemplate?: string;
  /**
   * False in every region but one: ECR events are regional, so the rule is needed in each region
   * with repositories, but the role name is account-global and one role serves every region.
   */
  readonly createPullRole?: boolean;
}

/**
 * What each member account of the organization runs (per account, or as a StackSet): a rule that
 * forwards ECR image actions to the central bus, and the read-only pull role the central scanners assume.
 */
export class MemberAccountStack extends Stack {
  readonly centralBusArn: string;
  readonly forwardRule: Rule;
  readonly forwardRole: Role;
  readonly pullRole?: Role;
  /** The central scanner roles (worker, rescan planner, inventory sync) the pull role trusts. */
  readonly trustedRoleArns: readonly string[];

  constructor(scope: Construct, id: string, props: MemberAccountStackProps) {
    super(scope, id, {
      description: "Portcullis member account: forwards ECR events to the central bus; read-only pull role",
      ...props,
    });
    // A member and its central account are always in one partition (cross-partition IAM does not exist).
    const central = {
      account: props.centralAccountId,
      region: props.centralRegion,
      partition: this.partition,
    };
    this.centralBusArn = `arn:${this.partition}:events:${props.centralRegion}:${props.centralAccountId}:event-bus/${props.centralBusName ?? CENTRAL_BUS_NAME}`;
    this.trustedRoleArns = scannerRoleArns(central);

    // Cross-account bus targets need a role; the target grants it PutEvents on that one bus only.
    this.forwardRole = new Role(this, "ForwardRole", {
      description: "Lets EventBridge forward this account's ECR events to the Portcullis central bus",
      assumedBy: new ServicePrincipal("events.amazonaws.com").withConditions({
        StringEquals: { "aws:SourceAccount": this.account },
      }),
    });
    this.forwardRule = new Rule(this, "ForwardEcrEvents", {
      description: "Forwards ECR image and replication actions to the Portcullis central bus",
      eventPattern: ECR_EVENT_PATTERN,
    });
    this.forwardRule.addTarget(
      new EventBusTarget(EventBus.fromEventBusArn(this, "CentralBus", this.centralBusArn), {
        role: this.forwardRole,
      }),
    );

    if (props.createPullRole !== false) {
      this.pullRole = this.addPullRole(props);
      new CfnOutput(this, "PullRoleArn", { value: this.pullRole.roleArn });
    }
  }

  private addPullRole(props: MemberAccountStackProps): Role {
    const template = props.pullRoleNameTemplate ?? DEFAULT_PULL_ROLE_NAME_TEMPLATE;
    // The central account as principal, narrowed to the scanner roles by aws:PrincipalArn: naming the
    // role ARNs as principals would fail (or pin stale role ids) while the central roles do not exist yet.
    const principal = new AccountPrincipal(props.centralAccountId).withConditions({
      ArnEquals: { "aws:PrincipalArn": [...this.trustedRoleArns] },
      ...(props.pullExternalId !== undefined || props.organizationId !== undefined
        ? {
            StringEquals: {
              ...(props.pullExternalId !== undefined ? { "sts:ExternalId": props.pullExternalId } : {}),
              ...(props.organizationId !== undefined ? { "aws:PrincipalOrgID": props.organizationId } : {}),
            },
          }
        : {}),
    });
    const role = new Role(this, "PullRole", {
      roleName: template.replaceAll("{account}", this.account),
      description: "Read-only ECR pulls for the Portcullis central scanners",
      assumedBy: principal,
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: {
        EcrReadOnly: new PolicyDocument({
          statements: [
            new PolicyStatement({
              sid: "EcrToken",
              actions: ["ecr:GetAuthorizationToken"],
              resources: ["*"],
            }),
            new PolicyStatement({
              sid: "EcrPull",
              actions: [...PULL_ROLE_REPOSITORY_ACTIONS],
              resources: [`arn:${this.partition}:ecr:*:${this.account}:repository/*`],
            }),
          ],
        }),
      },
    });
    NagSuppressions.addResourceSuppressions(role, [
      {
        id: "AwsSolutions-IAM5",
        reason: "ecr:GetAuthorizationToken has no resource-level permission; AWS requires Resource '*'.",
        appliesTo: ["Resource::*"],
      },
      {
        id: "AwsSolutions-IAM5",
        reason:
          "The central scanners pull any image pushed to any repository of this account, in every region; read-only actions.",
        appliesTo: [{ regex: "/^Resource::arn:<AWS::Partition>:ecr:\\*:.*:repository\\/\\*$/g" }],
      },
    ]);
    return role;
  }
}
