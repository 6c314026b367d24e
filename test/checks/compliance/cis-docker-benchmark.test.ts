import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { evaluateCisDockerBenchmark } from "../../../lib/checks/compliance/cis-docker-benchmark.js";
import { checkImageConfig } from "../../../lib/checks/image-config/check-image-config.js";
import type { ComplianceResult, MisconfigurationFinding, SecretMatch } from "../../../lib/checks/types.js";
import type { ImageConfig } from "../../../lib/image/types.js";

const FIXTURES = new URL("../../fixtures/image-config/", import.meta.url);

/** The image-config findings of a fixture; only "AKIA…" keys count as rule matches here. */
function findingsOf(name: string): MisconfigurationFinding[] {
  const config = JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), "utf8")) as ImageConfig;
  const findSecrets = (text: string): SecretMatch[] =>
    [...text.matchAll(/AKIA[0-9A-Z]{16}/g)].map((m) => ({
      ruleId: "aws-access-key-id",
      category: "AWS",
      title: "AWS access key ID",
      severity: "CRITICAL",
      line: 1,
      match: `AKIA${"*".repeat(16)}`,
      fingerprint: `sha256:${m[0].length}`,
    }));
  return checkImageConfig({
    config,
    reference: "registry.example.com/app:1.0.0",
    layers: config.rootfs.diff_ids.map((diffID, index) => ({ index, diffID, digest: diffID })),
    files: { setuid: [], worldWritableDirs: [], packageCaches: [] },
    packages: [],
    findSecrets,
  });
}

function control(result: ComplianceResult, id: string) {
  const found = result.controls.find((c) => c.id === id);
  if (found === undefined) throw new Error(`no control ${id}`);
  return found;
}

const finding = (id: string, cis: string[]): MisconfigurationFinding => ({
  id,
  title: id,
  severity: "LOW",
  message: id,
  remediation: id,
  cis,
});

describe("evaluateCisDockerBenchmark", () => {
  it("names the benchmark and lists the section 4 controls with their titles", () => {
    const result = evaluateCisDockerBenchmark([], []);
    expect(result.benchmark).toBe("CIS Docker Benchmark");
    expect(result.version).toBe("1.6.0");
    expect(result.controls.map((c) => [c.id, c.title])).toEqual([
      ["4.1", "Ensure that a user for the container has been created"],
      ["4.6", "Ensure that HEALTHCHECK instructions have been added to container images"],
      ["4.7", "Ensure update instructions are not used alone in Dockerfiles"],
      ["4.8", "Ensure setuid and setgid permissions are removed"],
      ["4.9", "Ensure that COPY is used instead of ADD in Dockerfiles"],
      ["4.10", "Ensure secrets are not stored in Dockerfiles"],
    ]);
  });

  it("passes every control for the hardened image", () => {
    const result = evaluateCisDockerBenchmark(findingsOf("hardened-buildkit"), []);
    expect(result.controls.every((c) => c.status === "pass" && c.failedBy.length === 0)).toBe(true);
  });

  it("fails 4.1 and 4.6 for ubuntu as pulled, and passes 4.9 despite its rootfs ADD", () => {
    const result = evaluateCisDockerBenchmark(findingsOf("ubuntu-22.04-classic"), []);
    expect(control(result, "4.1")).toMatchObject({ status: "fail", failedBy: ["PCIMG-001"] });
    expect(control(result, "4.6")).toMatchObject({ status: "fail", failedBy: ["PCIMG-008"] });
    expect(control(result, "4.9")).toMatchObject({ status: "pass", failedBy: [] });
    expect(control(result, "4.10").status).toBe("pass");
  });

  it("fails 4.9 with both ADD checks for remote URLs", () => {
    const result = evaluateCisDockerBenchmark(findingsOf("add-remote-url"), []);
    expect(control(result, "4.9")).toMatchObject({ status: "fail", failedBy: ["PCIMG-006", "PCIMG-007"] });
  });

  it("fails 4.7 for update instructions alone", () => {
    const result = evaluateCisDockerBenchmark(findingsOf("update-alone"), []);
    expect(control(result, "4.7")).toMatchObject({ status: "fail", failedBy: ["PCIMG-014"] });
  });

  it("fails 4.10 for secrets in ENV and history", () => {
    const result = evaluateCisDockerBenchmark(findingsOf("env-secrets"), []);
    expect(control(result, "4.10")).toMatchObject({ status: "fail", failedBy: ["PCIMG-003", "PCIMG-005"] });
  });

  it("fails 4.8 for a setuid finding", () => {
    const result = evaluateCisDockerBenchmark([finding("PCIMG-010", ["4.8"])], []);
    expect(control(result, "4.8")).toMatchObject({ status: "fail", failedBy: ["PCIMG-010"] });
    expect(control(result, "4.1").status).toBe("pass");
  });

  it("fails 4.10 with the rule ids of secrets in files, removed or not, each once", () => {
    const result = evaluateCisDockerBenchmark(
      [finding("PCIMG-004", ["4.10"])],
      [
        { ruleId: "aws-access-key-id", present: true },
        { ruleId: "private-key", present: false },
        { ruleId: "aws-access-key-id", present: false },
      ],
    );
    expect(control(result, "4.10")).toMatchObject({
      status: "fail",
      failedBy: ["PCIMG-004", "aws-access-key-id", "private-key"],
    });
  });

  it("ignores findings without a CIS mapping", () => {
    const result = evaluateCisDockerBenchmark([finding("PCIMG-002", [])], []);
    expect(result.controls.every((c) => c.status === "pass")).toBe(true);
  });
});
