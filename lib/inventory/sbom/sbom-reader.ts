import type { z } from "zod";
import { SourceError } from "../../errors.js";
import { CYCLONEDX_VERSIONS, cyclonedxSchema, readCycloneDx } from "./cyclonedx-reader.js";
import type { SbomInventory } from "./sbom-inventory.js";
import { readSpdx, SPDX_VERSIONS, spdxSchema } from "./spdx-reader.js";

/** Real image SBOMs are a few MB; this bounds memory on hostile input. */
export const MAX_SBOM_BYTES = 64 * 1024 * 1024;

export interface ReadSbomOptions {
  maxBytes?: number;
}

/**
 * Reads a CycloneDX (JSON, 1.4–1.6) or SPDX (JSON, 2.2/2.3) document back into an inventory.
 * SBOMs written by portcullis round-trip exactly; other tools' are read best effort from purls
 * and the properties Trivy and Syft add. Anything malformed throws a SourceError naming the cause.
 */
export function readSbom(bytes: Buffer, options: ReadSbomOptions = {}): SbomInventory {
  const max = options.maxBytes ?? MAX_SBOM_BYTES;
  if (bytes.length > max) {
    throw new SourceError(`SBOM is ${bytes.length} bytes, over the ${max}-byte limit`);
  }
  const text = bytes.toString("utf8").replace(/^\uFEFF/, "");
  const start = text.trimStart().slice(0, 64);
  if (start.startsWith("<")) throw new SourceError("XML SBOMs are not supported; use the JSON form");
  if (/^SPDXVersion:/i.test(start)) throw new SourceError("SPDX tag-value is not supported; use SPDX JSON");

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SourceError(`SBOM is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new SourceError("SBOM is not a JSON object");
  }
  const doc = json as Record<string, unknown>;
  if (doc.bomFormat === "CycloneDX") {
    const version = String(doc.specVersion);
    if (!(CYCLONEDX_VERSIONS as readonly string[]).includes(version)) {
      throw new SourceError(
        `unsupported CycloneDX specVersion ${JSON.stringify(doc.specVersion)} (${CYCLONEDX_VERSIONS.join(", ")} are read)`,
      );
    }
    return guarded(() => readCycloneDx(validate(cyclonedxSchema, doc, "CycloneDX")));
  }
  if (typeof doc.spdxVersion === "string") {
    if (!(SPDX_VERSIONS as readonly string[]).includes(doc.spdxVersion)) {
      throw new SourceError(
        `unsupported spdxVersion ${JSON.stringify(doc.spdxVersion)} (${SPDX_VERSIONS.join(", ")} JSON are read)`,
      );
    }
    return guarded(() => readSpdx(validate(spdxSchema, doc, "SPDX")));
  }
  throw new SourceError(
    'not a CycloneDX or SPDX JSON document (no "bomFormat": "CycloneDX" or "spdxVersion")',
  );
}

function validate<T extends z.ZodType>(schema: T, doc: unknown, format: string): z.infer<T> {
  const result = schema.safeParse(doc);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.length ? issue.path.join(".") : "(document)";
  throw new SourceError(`malformed ${format} document at ${path}: ${issue?.message ?? "invalid"}`, {
    cause: result.error,
  });
}

/** Absurdly nested components exhaust the stack; that is malformed input, not a crash. */
function guarded<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof RangeError) throw new SourceError("SBOM is nested too deeply to read", { cause: err });
    throw err;
  }
}
