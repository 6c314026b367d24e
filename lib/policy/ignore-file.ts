import { readFile } from "node:fs/promises";
import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { expiryInstant, type IgnoreRule, ignoreEntrySchema, ruleFromEntry } from "./ignore-rule.js";
import { PolicyError } from "./policy-error.js";
import { firstIssue, issuePath } from "./zod-issue.js";

/** Names looked for in the working directory, YAML first. */
export const DEFAULT_IGNORE_FILES = [".portcullisignore.yaml", ".portcullisignore.yml", ".portcullisignore"];

/** Ignore files are a few KB; this bounds memory when pointed at the wrong file. */
export const MAX_IGNORE_FILE_BYTES = 4 * 1024 * 1024;

const ignoreFileSchema = z.strictObject({
  ignore: z.array(ignoreEntrySchema).nullish(),
});

export type IgnoreFileFormat = "yaml" | "plain";

/** YAML for *.yaml / *.yml / *.json names, the .trivyignore-style line format otherwise. */
export function ignoreFileFormat(origin: string): IgnoreFileFormat {
  return /\.(ya?ml|json)$/i.test(origin) ? "yaml" : "plain";
}

/** Reads an ignore file; throws PolicyError naming the file for anything unreadable or malformed. */
export async function loadIgnoreFile(path: string): Promise<IgnoreRule[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(err);
    throw new PolicyError(`${path}: cannot read ignore file: ${why}`, { cause: err });
  }
  if (bytes.length > MAX_IGNORE_FILE_BYTES) {
    throw new PolicyError(
      `${path}: ignore file is ${bytes.length} bytes, over the ${MAX_IGNORE_FILE_BYTES}-byte limit`,
    );
  }
  return parseIgnoreFile(bytes.toString("utf8"), path);
}

/** Parses ignore-file text; `origin` names the file in errors and in each rule. */
export function parseIgnoreFile(
  text: string,
  origin: string,
  format = ignoreFileFormat(origin),
): IgnoreRule[] {
  const clean = text.replace(/^\uFEFF/, "");
  return format === "yaml" ? parseYaml(clean, origin) : parsePlain(clean, origin);
}

function parseYaml(text: string, origin: string): IgnoreRule[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax) {
    const line = lineCounter.linePos(syntax.pos[0]).line;
    throw new PolicyError(
      `${origin}${line ? `:${line}` : ""}: not valid YAML: ${syntax.message.split("\n")[0]}`,
    );
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) return [];
  const result = ignoreFileSchema.safeParse(data);
  if (!result.success) {
    const { path, message } = firstIssue(result.error);
    const line = lineOf(doc, path, lineCounter);
    throw new PolicyError(`${origin}${line ? `:${line}` : ""}: ${issuePath(path)}: ${message}`, {
      cause: result.error,
    });
  }
  return (result.data.ignore ?? []).map((entry) => ruleFromEntry(entry, origin, "ignore-file"));
}

/** The line of the deepest node on `path` that exists, so a missing key points at its entry. */
function lineOf(
  doc: ReturnType<typeof parseDocument>,
  path: readonly PropertyKey[],
  lineCounter: LineCounter,
): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true);
    const start = (node as { range?: [number, number, number] } | null | undefined)?.range?.[0];
    if (start !== undefined) return lineCounter.linePos(start).line;
  }
  return undefined;
}

/**
 * The .trivyignore line format: one id per line, `#` starts a comment, and an optional
 * `exp:2025-06-30` after the id sets the expiry.
 */
function parsePlain(text: string, origin: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (line === "") return;
    const [id, ...rest] = line.split(/\s+/) as [string, ...string[]];
    const rule: IgnoreRule = { id, origin, source: "ignore-file" };
    for (const field of rest) {
      const exp = /^exp:(.+)$/.exec(field);
      if (!exp) throw new PolicyError(`${origin}:${index + 1}: unexpected "${field}" after the id`);
      const expires = exp[1] as string;
      if (Number.isNaN(expiryInstant(expires))) {
        throw new PolicyError(
          `${origin}:${index + 1}: exp: must be a date such as 2025-06-30, got "${expires}"`,
        );
      }
      rule.expires = expires;
    }
    rules.push(rule);
  });
  return rules;
}
