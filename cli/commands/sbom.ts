import { writeCycloneDx } from "../../lib/inventory/sbom/cyclonedx-writer.js";
import { writeSpdx } from "../../lib/inventory/sbom/spdx-writer.js";
import { emit, type ImageOptions, produceReport, UsageError } from "./scan.js";

export interface SbomCommandOptions extends ImageOptions {
  format: string;
  output?: string;
}

export const SBOM_FORMATS = ["cyclonedx", "spdx"] as const;

/**
 * `portcullis sbom <image>`: the image's inventory as CycloneDX 1.6 (default) or SPDX 2.3 JSON.
 * An `sbom:<file>` argument converts another SBOM, which is how Trivy's become SPDX, and back.
 */
export async function runSbom(image: string, opts: SbomCommandOptions): Promise<void> {
  if (!(SBOM_FORMATS as readonly string[]).includes(opts.format)) {
    throw new UsageError(
      `unknown SBOM format ${JSON.stringify(opts.format)}; expected one of ${SBOM_FORMATS.join(", ")}`,
    );
  }
  const report = await produceReport(image, opts);
  await emit(opts.format === "spdx" ? writeSpdx(report) : writeCycloneDx(report), opts.output);
}
