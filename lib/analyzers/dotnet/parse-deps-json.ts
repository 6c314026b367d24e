import { createWarningCollector, decodeDatabaseText, type WarningCollector } from "../text-database.js";
import type { PackageFinding } from "../types.js";

export interface DepsJsonResult {
  packages: PackageFinding[];
  warnings: string[];
}

const MAX_FIELD = 256;
/** The SDK's prefix for runtime packs bundled into self-contained apps; NuGet names them without it. */
const RUNTIME_PACK_PREFIX = "runtimepack.";

type Json = Record<string, unknown>;

/**
 * A .NET app's `<app>.deps.json`: `libraries` keyed "Name/Version". NuGet packages (`type:
 * "package"`) are reported, and the runtime pack a self-contained app carries (`runtimepack`,
 * e.g. Microsoft.NETCore.App.Runtime.linux-x64) under its NuGet name; the app's own projects and
 * reference assemblies are not. As trivy does, a package whose entry in the runtime target lists
 * no runtime, runtimeTargets or native assets is left out: it contributes no code at run time
 * (build-only packages, or ones the shared framework supersedes).
 */
export function parseDepsJson(input: Buffer): DepsJsonResult {
  const collector = createWarningCollector();
  let doc: unknown;
  try {
    doc = JSON.parse(decodeDatabaseText(input));
  } catch {
    collector.warn("not valid JSON; skipped");
    return { packages: [], warnings: collector.list() };
  }
  if (!isObject(doc) || !isObject(doc.libraries)) {
    collector.warn("no libraries object; not a deps.json");
    return { packages: [], warnings: collector.list() };
  }
  const target = runtimeTarget(doc);
  const packages: PackageFinding[] = [];
  for (const [key, library] of Object.entries(doc.libraries)) {
    const finding = toFinding(key, library, target, collector);
    if (finding) packages.push(finding);
  }
  return { packages, warnings: collector.list() };
}

function toFinding(
  key: string,
  library: unknown,
  target: Json | undefined,
  collector: WarningCollector,
): PackageFinding | undefined {
  if (!isObject(library)) {
    collector.warn(`library ${clip(key)}: not an object; skipped`);
    return undefined;
  }
  const type = typeof library.type === "string" ? library.type.toLowerCase() : "";
  if (type !== "package" && type !== "runtimepack") return undefined;
  const slash = key.indexOf("/");
  let name = key.slice(0, Math.max(0, slash));
  const version = key.slice(slash + 1);
  if (slash <= 0 || version === "") {
    collector.warn(`library ${clip(key)}: not "Name/Version"; skipped`);
    return undefined;
  }
  if (name.length > MAX_FIELD || version.length > MAX_FIELD || /\s/.test(key)) {
    collector.warn(`library ${clip(key)}: implausible name or version; skipped`);
    return undefined;
  }
  if (target && !hasRuntimeAssets(target[key])) return undefined;
  if (name.startsWith(RUNTIME_PACK_PREFIX)) name = name.slice(RUNTIME_PACK_PREFIX.length);
  return { ecosystem: "nuget", name, version };
}

/** `targets[runtimeTarget.name]`, when the file has it. */
function runtimeTarget(doc: Json): Json | undefined {
  const name = isObject(doc.runtimeTarget) ? doc.runtimeTarget.name : undefined;
  if (typeof name !== "string" || !isObject(doc.targets)) return undefined;
  const target = doc.targets[name];
  return isObject(target) ? target : undefined;
}

/** A library the target does not list is kept: better a finding too many than a missed one. */
function hasRuntimeAssets(entry: unknown): boolean {
  if (!isObject(entry)) return true;
  return ["runtime", "runtimeTargets", "native"].some((k) => {
    const assets = entry[k];
    return isObject(assets) && Object.keys(assets).length > 0;
  });
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
