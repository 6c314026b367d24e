import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";
import { Ajv2019 } from "ajv/dist/2019.js";
import addFormatsPlugin from "ajv-formats";

/**
 * Validators built from the official schemas, offline:
 * - CycloneDX 1.6 with the spdx and jsf schemas it references, as shipped by
 *   @cyclonedx/cyclonedx-library (res/schema). That package renamed the references to its
 *   "*.SNAPSHOT.schema.json" copies; they are pointed back at the official names here, so the
 *   schemas resolve by their own $ids exactly as the published ones do.
 * - SPDX 2.3 (the 2.3.1 errata schema), copied into test/fixtures/schemas; see SOURCES.md there.
 */
const require = createRequire(import.meta.url);
const cyclonedxDir = join(
  dirname(require.resolve("@cyclonedx/cyclonedx-library/package.json")),
  "res/schema",
);
const fixtures = fileURLToPath(new URL("../../fixtures/schemas/", import.meta.url));

// ajv-formats is CommonJS with `exports.default`; either shape may arrive depending on the loader.
const addFormats = ((addFormatsPlugin as unknown as { default?: typeof addFormatsPlugin }).default ??
  addFormatsPlugin) as unknown as (ajv: Ajv | Ajv2019) => void;

function readSchema(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
}

let cyclonedx: ValidateFunction | undefined;
let spdx: ValidateFunction | undefined;

export function cyclonedx16Validator(): ValidateFunction {
  if (cyclonedx) return cyclonedx;
  // strict: false because the CycloneDX schemas use annotation keywords ("meta:enum", ...) that
  // draft-07 does not define; they do not affect validation.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  // Formats of fields portcullis does not write; ajv-formats lacks them.
  ajv.addFormat("iri-reference", true);
  ajv.addFormat("idn-email", true);
  const bomText = readFileSync(join(cyclonedxDir, "bom-1.6.SNAPSHOT.schema.json"), "utf8")
    .replaceAll('"spdx.SNAPSHOT.schema.json"', '"spdx.schema.json"')
    .replaceAll('"jsf-0.82.SNAPSHOT.schema.json', '"jsf-0.82.schema.json');
  ajv.addSchema(readSchema(join(cyclonedxDir, "spdx.SNAPSHOT.schema.json")));
  ajv.addSchema(readSchema(join(cyclonedxDir, "jsf-0.82.SNAPSHOT.schema.json")));
  cyclonedx = ajv.compile(JSON.parse(bomText));
  return cyclonedx;
}

export function spdx23Validator(): ValidateFunction {
  if (spdx) return spdx;
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  addFormats(ajv);
  spdx = ajv.compile(readSchema(join(fixtures, "spdx-2.3.schema.json")));
  return spdx;
}

/** The validator's errors as short lines, for assertion messages. */
export function schemaErrors(validate: ValidateFunction): string[] {
  return (validate.errors ?? []).slice(0, 20).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`);
}
