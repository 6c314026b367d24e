import { stat } from "node:fs/promises";
import { ImportError } from "./errors.js";
import { parseYaml, readWholeText } from "./read-input.js";

/** A whole JSON or YAML document (optionally gzipped) and the file's mtime as an ISO timestamp. */
export async function readDocument(
  path: string,
  maxBytes: number,
): Promise<{ value: unknown; mtime: string }> {
  const text = await readWholeText(path, maxBytes);
  const { mtime } = await stat(path);
  const yaml = /\.ya?ml(\.gz)?$/i.test(path);
  try {
    return { value: yaml ? parseYaml(text) : JSON.parse(text), mtime: mtime.toISOString() };
  } catch (err) {
    throw new ImportError(`${path}: not valid ${yaml ? "YAML" : "JSON"}`, { cause: err });
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
