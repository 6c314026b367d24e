import type { ComplianceControl, ComplianceResult, MisconfigurationFinding } from "../types.js";

export const CIS_DOCKER_BENCHMARK = "CIS Docker Benchmark";
export const CIS_DOCKER_BENCHMARK_VERSION = "1.6.0";

/** Section 4 controls an image scan can judge from the image alone, with the benchmark's titles. */
export const CIS_IMAGE_CONTROLS: ReadonlyArray<{ id: string; title: string }> = [
  { id: "4.1", title: "Ensure that a user for the container has been created" },
  { id: "4.6", title: "Ensure that HEALTHCHECK instructions have been added to container images" },
  { id: "4.7", title: "Ensure update instructions are not used alone in Dockerfiles" },
  { id: "4.8", title: "Ensure setuid and setgid permissions are removed" },
  { id: "4.9", title: "Ensure that COPY is used instead of ADD in Dockerfiles" },
  { id: "4.10", title: "Ensure secrets are not stored in Dockerfiles" },
];

const SECRETS_CONTROL = "4.10";

/**
 * Pass/fail per control: a control fails when a finding maps to it. Secrets found in files fail
 * 4.10 even when a later layer deleted the file, since the layer still ships it.
 */
export function evaluateCisDockerBenchmark(
  misconfigurations: MisconfigurationFinding[],
  secrets: Array<{ ruleId: string; present: boolean }>,
): ComplianceResult {
  const controls: ComplianceControl[] = CIS_IMAGE_CONTROLS.map(({ id, title }) => {
    const failedBy = new Set(
      misconfigurations.filter((finding) => finding.cis?.includes(id) === true).map((finding) => finding.id),
    );
    if (id === SECRETS_CONTROL) for (const secret of secrets) failedBy.add(secret.ruleId);
    return { id, title, status: failedBy.size > 0 ? "fail" : "pass", failedBy: [...failedBy] };
  });
  return { benchmark: CIS_DOCKER_BENCHMARK, version: CIS_DOCKER_BENCHMARK_VERSION, controls };
}
