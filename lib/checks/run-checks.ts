import type { ImageConfig } from "../image/types.js";
import type { Package } from "../inventory/package.js";
import type { ScanReport } from "../report/scan-report.js";
import { collectSecrets } from "./collect-secrets.js";
import { evaluateCisDockerBenchmark } from "./compliance/cis-docker-benchmark.js";
import { finalFileFacts } from "./final-file-facts.js";
import { checkImageConfig } from "./image-config/check-image-config.js";
import { LaterLayers, type LayerView } from "./later-layers.js";
import { findSecrets } from "./secrets/find-secrets.js";

export interface ChecksInput {
  layers: readonly LayerView[];
  config: ImageConfig;
  /** The image as the user named it. */
  reference: string;
  packages: Package[];
}

export interface CheckSelection {
  /** Secrets in layer files (the walk must have run the secrets analyzer). */
  secrets: boolean;
  /** Image configuration checks and the CIS Docker Benchmark controls they map to. */
  imageConfig: boolean;
}

/** The checks beyond vulnerabilities, as the report fields they fill. */
export function runChecks(
  input: ChecksInput,
  selection: CheckSelection,
): Pick<ScanReport, "secrets" | "misconfigurations" | "compliance"> {
  const later = new LaterLayers(input.layers);
  const secrets = selection.secrets ? collectSecrets(input.layers, later) : undefined;
  if (!selection.imageConfig) return secrets ? { secrets } : {};
  const misconfigurations = checkImageConfig({
    config: input.config,
    reference: input.reference,
    layers: input.layers.map((l) => l.ref),
    files: finalFileFacts(input.layers, later),
    packages: input.packages,
    findSecrets,
  });
  const compliance = evaluateCisDockerBenchmark(misconfigurations, secrets ?? []);
  return { ...(secrets ? { secrets } : {}), misconfigurations, compliance };
}
