import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsPlugin from "ajv-formats";

/**
 * Validators built offline from the official schemas copied into test/fixtures/schemas (see
 * SOURCES.md there): SARIF 2.1.0 (OASIS, JSON Schema draft-04) and OpenVEX 0.2.0 (draft 2020-12).
 */
const fixtures = fileURLToPath(new URL("../fixtures/schemas/", import.meta.url));

const addFormats = ((addFormatsPlugin as unknown as { default?: typeof addFormatsPlugin }).default ??
  addFormatsPlugin) as unknown as (ajv: Ajv | Ajv2020) => void;

function readSchema(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`${fixtures}${name}`, "utf8")) as Record<string, unknown>;
}

let sarif: ValidateFunction | undefined;
let openvex: ValidateFunction | undefined;

export function sarif210Validator(): ValidateFunction {
  if (sarif) return sarif;
  // The schema is draft-04, which ajv 8 reads once its two draft-04 spellings are modernised:
  // the root "id" becomes "$id", and the draft-04 meta-schema reference is dropped. Nothing the
  // schema validates with (types, enums, required, patterns, minimum) differs between the drafts.
  const { id, $schema: _draft04, ...rest } = readSchema("sarif-schema-2.1.0.json");
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  sarif = ajv.compile({ $id: id as string, ...rest });
  return sarif;
}

export function openVex020Validator(): ValidateFunction {
  if (openvex) return openvex;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  // "iri" is not a format ajv-formats knows: accept what has a scheme and no spaces.
  ajv.addFormat("iri", /^[a-z][a-z0-9+.-]*:[^\s]+$/i);
  openvex = ajv.compile(readSchema("openvex-0.2.0.schema.json"));
  return openvex;
}

export { cyclonedx16Validator, schemaErrors } from "../inventory/sbom/schema-validators.js";
