import { readFile } from "node:fs/promises";
import { z } from "zod";
import { PolicyError } from "./policy-error.js";
import { firstIssue, issuePath } from "./zod-issue.js";

export type VexStatus = "not_affected" | "affected" | "fixed" | "under_investigation";

/** A product or subcomponent reduced to the identifiers matching uses. */
export interface VexComponent {
  /** The `@id`: a purl, an image reference or digest, or any IRI. */
  id?: string;
  /** `identifiers.purl`. */
  purl?: string;
}

export interface VexProduct extends VexComponent {
  subcomponents: VexComponent[];
}

/** One statement with the document's defaults (timestamp) already applied. */
export interface VexStatement {
  vulnerability: { name: string; id?: string; aliases: string[] };
  products: VexProduct[];
  status: VexStatus;
  justification?: string;
  impactStatement?: string;
  actionStatement?: string;
  /** The statement's timestamp, else the document's; ISO date-time. */
  timestamp?: string;
  /** The file the statement was read from. */
  origin: string;
  /** The document's `@id`, when it has one. */
  documentId?: string;
}

/** Every statement of every --vex document, in reading order (later files after earlier ones). */
export interface VexStatementSet {
  statements: VexStatement[];
}

/** VEX documents for one image are small; this bounds memory when pointed at the wrong file. */
export const MAX_VEX_BYTES = 32 * 1024 * 1024;

/** The OpenVEX (v0.2.0) status justifications. */
export const VEX_JUSTIFICATIONS = [
  "component_not_present",
  "vulnerable_code_not_present",
  "vulnerable_code_not_in_execute_path",
  "vulnerable_code_cannot_be_controlled_by_adversary",
  "inline_mitigations_already_exist",
] as const;

const timestamp = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)) && /T.*(Z|[+-]\d\d:?\d\d)$/i.test(s), {
    error: "must be an ISO date-time with a zone",
  });

const componentSchema = z.looseObject({
  "@id": z.string().optional(),
  identifiers: z.looseObject({ purl: z.string().optional() }).optional(),
});

// Documents before v0.2.0 wrote products, subcomponents and the vulnerability as bare strings.
const componentOrString = z.union([z.string(), componentSchema]);
const productSchema = z.union([
  z.string(),
  componentSchema.extend({ subcomponents: z.array(componentOrString).optional() }),
]);

const vulnerabilitySchema = z.union([
  z.string().min(1),
  z.looseObject({
    "@id": z.string().optional(),
    name: z.string().min(1),
    aliases: z.array(z.string()).optional(),
  }),
]);

const statementSchema = z
  .looseObject({
    vulnerability: vulnerabilitySchema,
    products: z.array(productSchema).optional(),
    subcomponents: z.array(componentOrString).optional(),
    status: z.enum(["not_affected", "affected", "fixed", "under_investigation"]),
    justification: z.enum(VEX_JUSTIFICATIONS).optional(),
    impact_statement: z.string().optional(),
    action_statement: z.string().optional(),
    timestamp: timestamp.optional(),
  })
  .refine(
    (s) => s.status !== "not_affected" || s.justification !== undefined || s.impact_statement !== undefined,
    {
      error: "a not_affected statement needs a justification or an impact_statement",
    },
  );

const documentSchema = z.looseObject({
  "@context": z.string().refine((c) => c.startsWith("https://openvex.dev/ns"), {
    error: 'must be an OpenVEX context ("https://openvex.dev/ns/v0.2.0")',
  }),
  "@id": z.string().optional(),
  timestamp: timestamp.optional(),
  statements: z.array(statementSchema),
});

type RawComponent = z.infer<typeof componentOrString>;

function component(raw: RawComponent): VexComponent {
  if (typeof raw === "string") return { id: raw };
  const out: VexComponent = {};
  if (raw["@id"]) out.id = raw["@id"];
  if (raw.identifiers?.purl) out.purl = raw.identifiers.purl;
  return out;
}

/** Parses one OpenVEX JSON document; throws PolicyError naming the file for malformed input. */
export function parseVexDocument(text: string, origin: string): VexStatement[] {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (err) {
    throw new PolicyError(`${origin}: not valid JSON: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  if (typeof json !== "object" || json === null || !("@context" in json)) {
    throw new PolicyError(`${origin}: not an OpenVEX document (no "@context")`);
  }
  const result = documentSchema.safeParse(json);
  if (!result.success) {
    const { path, message } = firstIssue(result.error);
    throw new PolicyError(`${origin}: malformed OpenVEX document at ${issuePath(path)}: ${message}`, {
      cause: result.error,
    });
  }
  const doc = result.data;
  return doc.statements.map((s) => {
    const vulnerability =
      typeof s.vulnerability === "string"
        ? { name: s.vulnerability, aliases: [] }
        : {
            name: s.vulnerability.name,
            ...(s.vulnerability["@id"] ? { id: s.vulnerability["@id"] } : {}),
            aliases: s.vulnerability.aliases ?? [],
          };
    // Statement-level subcomponents (pre-v0.2.0) belong to every product of the statement.
    const shared = (s.subcomponents ?? []).map(component);
    const products = (s.products ?? []).map((p): VexProduct => {
      const own = typeof p === "string" ? [] : (p.subcomponents ?? []).map(component);
      return { ...component(p), subcomponents: [...own, ...shared] };
    });
    const statement: VexStatement = { vulnerability, products, status: s.status, origin };
    if (s.justification) statement.justification = s.justification;
    if (s.impact_statement) statement.impactStatement = s.impact_statement;
    if (s.action_statement) statement.actionStatement = s.action_statement;
    const ts = s.timestamp ?? doc.timestamp;
    if (ts) statement.timestamp = ts;
    if (doc["@id"]) statement.documentId = doc["@id"];
    return statement;
  });
}

/** Reads every --vex document in order; throws PolicyError naming the file that failed. */
export async function loadVexDocuments(paths: readonly string[]): Promise<VexStatementSet> {
  const statements: VexStatement[] = [];
  for (const path of paths) {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(err);
      throw new PolicyError(`${path}: cannot read VEX document: ${why}`, { cause: err });
    }
    if (bytes.length > MAX_VEX_BYTES) {
      throw new PolicyError(
        `${path}: VEX document is ${bytes.length} bytes, over the ${MAX_VEX_BYTES}-byte limit`,
      );
    }
    statements.push(...parseVexDocument(bytes.toString("utf8"), path));
  }
  return { statements };
}
