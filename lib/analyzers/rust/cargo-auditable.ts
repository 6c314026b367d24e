import type { ByteParser } from "../binary/byte-parser.js";
import { findSection } from "../binary/executable.js";
import { inflateCapped } from "../binary/inflate-capped.js";
import { parseExecutable, readSectionBytes } from "../binary/parse-executable.js";

/** The section cargo-auditable writes (ELF and PE ".dep-v0"; Mach-O "__DATA,.dep-v0"). */
const SECTION = ".dep-v0";
/** Audit data of a thousand crates compresses to a few KiB; these caps leave room and stop bombs. */
const MAX_COMPRESSED = 8 * 1024 * 1024;
const MAX_JSON = 32 * 1024 * 1024;
const MAX_PACKAGES = 100_000;

/** One crate as cargo-auditable records it (auditable-serde's Package). */
export interface AuditablePackage {
  name: string;
  version: string;
  /** "crates.io", "registry", "git", "local", or another source kind. */
  source: string;
  /** "build" for build-time-only crates (build scripts, proc macros); runtime when absent. */
  kind: "build" | "runtime";
  dependencies: number[];
  root: boolean;
}

export interface AuditableScan {
  /** Absent when the binary carries no audit data (or is not an executable). */
  packages?: AuditablePackage[];
  warnings: string[];
}

/**
 * The dependency list cargo-auditable embeds: zlib-compressed JSON `{"packages": [...]}` in the
 * `.dep-v0` section. Damage to the executable's own structure is not repeated here: the Go
 * binary analyzer, which opens the same files, reports it once.
 */
export function* readCargoAuditable(fileSize: number): ByteParser<AuditableScan> {
  const exe = yield* parseExecutable(fileSize);
  if (!exe) return { warnings: [] };
  const section = findSection(exe, SECTION, exe.format === "macho" ? "__DATA" : undefined);
  if (!section) return { warnings: [] };
  const read = yield* readSectionBytes(section, fileSize, MAX_COMPRESSED);
  if (read.warning !== undefined) return { warnings: [`cargo-auditable data unreadable: ${read.warning}`] };
  const json = inflateCapped(read.bytes, MAX_JSON);
  if ("error" in json) return { warnings: [`cargo-auditable data ${json.error}`] };
  return parseAuditableJson(json.bytes.toString("utf8"));
}

/** Validates the JSON shape; entries that break it are skipped with one warning, not trusted. */
export function parseAuditableJson(text: string): AuditableScan {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { warnings: ["cargo-auditable data is not valid JSON"] };
  }
  const list = (doc as { packages?: unknown } | null)?.packages;
  if (!Array.isArray(list)) return { warnings: ['cargo-auditable data has no "packages" list'] };
  if (list.length > MAX_PACKAGES) {
    return { warnings: [`cargo-auditable data lists ${list.length} packages, over the ${MAX_PACKAGES} cap`] };
  }
  const packages: AuditablePackage[] = [];
  let invalid = 0;
  for (const entry of list) {
    const p = entry as Record<string, unknown> | null;
    if (
      typeof p !== "object" ||
      p === null ||
      typeof p.name !== "string" ||
      typeof p.version !== "string" ||
      typeof p.source !== "string" ||
      p.name === "" ||
      p.version === ""
    ) {
      invalid += 1;
      continue;
    }
    packages.push({
      name: p.name,
      version: p.version,
      source: p.source,
      kind: p.kind === "build" ? "build" : "runtime",
      dependencies: Array.isArray(p.dependencies)
        ? p.dependencies.filter((d): d is number => Number.isInteger(d))
        : [],
      root: p.root === true,
    });
  }
  const warnings =
    invalid > 0 ? [`cargo-auditable data: ${invalid} packages without name, version or source`] : [];
  return { packages, warnings };
}
