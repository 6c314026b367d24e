import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** One expected finding of a generated sample, with the clear value the tests must never see leak. */
export interface ExpectedSecret {
  ruleId: string;
  line: number;
  value: string;
}

const ROOT = fileURLToPath(new URL("../../fixtures/secrets/", import.meta.url));

export function readSample(dir: "positive" | "negative" | "generated-negative", name: string): string {
  return readFileSync(`${ROOT}${dir}/${name}`, "utf8");
}

export function listSamples(dir: "positive" | "negative" | "generated-negative"): string[] {
  return readdirSync(`${ROOT}${dir}`).sort();
}

/** expected.json, written by make-samples.sh next to the samples it describes. */
export function expectedSecrets(): Record<string, ExpectedSecret[]> {
  return JSON.parse(readFileSync(`${ROOT}expected.json`, "utf8")) as Record<string, ExpectedSecret[]>;
}
