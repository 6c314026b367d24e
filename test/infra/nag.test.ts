import { Annotations, Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { roleStatements, type SynthesizedApp, synthApp } from "./synth-app.js";

let synthesized: SynthesizedApp;

beforeAll(() => {
  synthesized = synthApp();
});

interface NagMetadata {
  cdk_nag?: { rules_to_suppress?: Suppression[] };
}

interface Suppression {
  id: string;
  reason: string;
  applies_to?: unknown[];
}

const stacks = () => [synthesized.stateful, synthesized.stateless];
const templates = () => [synthesized.statefulTemplate, synthesized.statelessTemplate];
const suppressions = (): Array<{ logicalId: string } & Suppression> =>
  templates().flatMap((template) =>
    Object.entries(template.toJSON().Resources as Record<string, { Metadata?: NagMetadata }>).flatMap(
      ([logicalId, resource]) =>
        (resource.Metadata?.cdk_nag?.rules_to_suppress ?? []).map((rule) => ({
          logicalId,
          ...rule,
        })),
    ),
  );

describe("cdk-nag AwsSolutions", () => {
  it("reports no unsuppressed errors", () => {
    for (const stack of stacks()) {
      const errors = Annotations.fromStack(stack).findError("*", Match.stringLikeRegexp("AwsSolutions-.*"));
      expect(errors.map((error) => `${error.id}: ${String(error.entry.data)}`)).toEqual([]);
    }
  });

  it("reports no unsuppressed warnings", () => {
    for (const stack of stacks()) {
      const warnings = Annotations.fromStack(stack).findWarning(
        "*",
        Match.stringLikeRegexp("AwsSolutions-.*"),
      );
      expect(warnings.map((warning) => `${warning.id}: ${String(warning.entry.data)}`)).toEqual([]);
    }
  });

  it("leaves no other construct warnings or errors", () => {
    for (const stack of stacks()) {
      const annotations = Annotations.fromStack(stack);
      expect(annotations.findError("*", Match.anyValue())).toEqual([]);
      expect(annotations.findWarning("*", Match.anyValue())).toEqual([]);
    }
  });

  it("gives every suppression a written reason", () => {
    const all = suppressions();
    expect(all.length).toBeGreaterThan(0);
    for (const suppression of all) {
      expect(suppression.id).toMatch(/^AwsSolutions-/);
      expect(suppression.reason.length).toBeGreaterThan(30);
    }
  });

  it("suppresses only the rules we have reasons for", () => {
    // CFR1/2/4: the dashboard's CloudFront distribution (no geo restriction, WAF optional, default
    // certificate); IAM4: only on CDK's BucketDeployment provider.
    expect([...new Set(suppressions().map((s) => s.id))].sort()).toEqual([
      "AwsSolutions-CFR1",
      "AwsSolutions-CFR2",
      "AwsSolutions-CFR4",
      "AwsSolutions-IAM4",
      "AwsSolutions-IAM5",
      "AwsSolutions-L1",
      "AwsSolutions-S1",
      "AwsSolutions-SQS3",
    ]);
  });

  it("suppresses the managed-policy rule only on CDK's BucketDeployment provider", () => {
    const iam4 = suppressions().filter((s) => s.id === "AwsSolutions-IAM4");
    expect(iam4.length).toBeGreaterThan(0);
    for (const s of iam4) expect(s.logicalId).toMatch(/^CustomCDKBucketDeployment/);
  });

  it("suppresses the worker's Resource * with the ECR token reason", () => {
    const { stateless, statelessTemplate } = synthesized;
    const tokenReasons = suppressions().filter(
      (s) => s.id === "AwsSolutions-IAM5" && s.reason.includes("ecr:GetAuthorizationToken"),
    );
    for (const reason of tokenReasons) expect(reason.applies_to).toEqual(["Resource::*"]);
    // Applied to the role and, through its children, the default policy that holds the statement.
    expect(tokenReasons.map((s) => s.logicalId)).toContainEqual(
      expect.stringMatching(/^ScanWorkerRoleDefaultPolicy/),
    );
    expect(roleStatements(statelessTemplate, stateless.worker.role).some((s) => s.Sid === "EcrToken")).toBe(
      true,
    );
  });
});

describe("cdk-nag for db-update", () => {
  it("suppresses the db-update role's wildcards only for keys under db/ in the DB bucket", () => {
    const reasons = suppressions().filter((s) => s.logicalId.startsWith("DbUpdateHandlerRole"));
    const iam5 = reasons.filter((s) => s.id === "AwsSolutions-IAM5");
    const patterns = iam5.flatMap((s) => s.applies_to ?? []).map((a) => JSON.stringify(a));
    expect(patterns.some((p) => p.includes("VulnDbBucket") && p.includes("db"))).toBe(true);
    expect(patterns.some((p) => p.includes("ReportBucket"))).toBe(false);
  });
});
