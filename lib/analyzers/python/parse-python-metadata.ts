import { createWarningCollector, decodeDatabaseText } from "../text-database.js";

/** The fields of a core metadata file (METADATA, PKG-INFO) that identify a distribution. */
export interface PythonMetadata {
  name?: string;
  version?: string;
  licenses: string[];
  warnings: string[];
}

/** Longer, or multi-line, License fields are usually the whole license text, not its name. */
const MAX_LICENSE_NAME = 100;

/**
 * Core metadata (PEP 241/314/345/566/643/639) is RFC 822 style: "Field: value" headers, lines
 * starting with whitespace continue the previous value, and the first blank line starts the body
 * (the long description), which is not read.
 */
export function parsePythonMetadata(input: Buffer | string): PythonMetadata {
  const lineWarnings = createWarningCollector(5);
  const headers = new Map<string, string[]>();
  let current: { values: string[]; index: number } | undefined;
  const lines = decodeDatabaseText(input).split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === "") break;
    if (line.startsWith(" ") || line.startsWith("\t")) {
      if (current) current.values[current.index] += `\n${line.trimStart()}`;
      else lineWarnings.warn(`line ${i + 1}: continuation line without a field`);
      continue;
    }
    const colon = line.indexOf(":");
    const field = colon > 0 ? line.slice(0, colon) : "";
    if (!/^[!-9;-~]+$/.test(field)) {
      lineWarnings.warn(`line ${i + 1}: not a "Field: value" header`);
      current = undefined;
      continue;
    }
    const key = field.toLowerCase();
    const values = headers.get(key) ?? [];
    headers.set(key, values);
    values.push(line.slice(colon + 1).trim());
    current = { values, index: values.length - 1 };
  }

  const one = (key: string) => headers.get(key)?.[0]?.trim() || undefined;
  const name = one("name");
  const version = one("version");
  // What makes the file useless comes first; line-level complaints after, capped.
  const warnings = [...(name ? [] : ["no Name field"]), ...(version ? [] : ["no Version field"])];
  return {
    ...(name ? { name } : {}),
    ...(version ? { version } : {}),
    licenses: pickLicenses(one("license-expression"), one("license"), headers.get("classifier") ?? []),
    warnings: [...warnings, ...lineWarnings.list()],
  };
}

/**
 * License-Expression (PEP 639, an SPDX expression) > License when it is a short name, not the
 * license text (and not setuptools' "UNKNOWN") > the last segment of each "License ::" classifier.
 */
function pickLicenses(expression: string | undefined, license: string | undefined, classifiers: string[]) {
  if (expression) return [expression];
  if (license && license !== "UNKNOWN" && !license.includes("\n") && license.length <= MAX_LICENSE_NAME) {
    return [license];
  }
  const out: string[] = [];
  for (const classifier of classifiers) {
    const parts = classifier.split("::").map((s) => s.trim());
    const last = parts[parts.length - 1];
    // "License :: OSI Approved" alone names no license.
    if (parts[0] !== "License" || parts.length < 2 || !last || last === "OSI Approved") continue;
    if (!out.includes(last)) out.push(last);
  }
  return out;
}
