import type { GoBuildInfo, GoBuildSetting, GoModule } from "./go-build-info.js";
import { goQuotedPrefixLength, goUnquote } from "./go-unquote.js";

/** Warnings past this are summarised: a corrupt blob must not flood the report. */
const MAX_WARNINGS = 10;

/**
 * The module information Go embeds in binaries (the text between the 16-byte sentinels), parsed
 * like runtime/debug.ParseBuildInfo: `path`, `mod`, `dep`, `=>` (replacement of the module on the
 * line before) and `build` lines, tab-separated. Unlike Go, a malformed line is skipped with a
 * warning instead of failing the whole file, so one bad line does not hide every module.
 */
export function parseModInfo(text: string, goVersion: string): { info: GoBuildInfo; warnings: string[] } {
  const info: GoBuildInfo = { goVersion, deps: [], settings: [] };
  const warnings: string[] = [];
  let skipped = 0;
  const warn = (lineNumber: number, message: string) => {
    if (warnings.length < MAX_WARNINGS) warnings.push(`Go build info line ${lineNumber}: ${message}`);
    else skipped += 1;
  };
  let last: GoModule | undefined;
  const lines = text.split("\n");
  // Like Go, a final line without a newline is not read.
  lines.pop();
  lines.forEach((line, index) => {
    const n = index + 1;
    const [word = "", ...rest] = line.split("\t");
    const fields = rest;
    switch (word) {
      case "path":
        info.path = line.slice("path\t".length);
        break;
      case "mod":
      case "dep": {
        const mod = readModule(fields);
        if (!mod) {
          warn(n, `expected 2 or 3 columns after "${word}", got ${fields.length}`);
          last = undefined;
          break;
        }
        if (word === "mod") info.main = mod;
        else info.deps.push(mod);
        last = mod;
        break;
      }
      case "=>":
        if (fields.length !== 3) warn(n, `expected 3 columns for a replacement, got ${fields.length}`);
        else if (!last) warn(n, "replacement with no module on the line before");
        else
          last.replace = {
            path: fields[0] as string,
            version: fields[1] as string,
            sum: fields[2] as string,
          };
        last = undefined;
        break;
      case "build": {
        const setting = readSetting(line.slice("build\t".length));
        if (typeof setting === "string") warn(n, setting);
        else info.settings.push(setting);
        break;
      }
      default:
        // Blank lines (Go's own formatter writes one after each replacement) and unknown words.
        break;
    }
  });
  if (skipped > 0) warnings.push(`${skipped} more malformed Go build info lines`);
  return { info, warnings };
}

function readModule(fields: string[]): GoModule | undefined {
  if (fields.length !== 2 && fields.length !== 3) return undefined;
  return { path: fields[0] as string, version: fields[1] as string, sum: fields[2] ?? "" };
}

/** A `build` line's key=value, with Go's quoting undone; a string is the reason it is malformed. */
function readSetting(kv: string): GoBuildSetting | string {
  if (kv === "") return "build line missing '='";
  let key: string;
  let rawValue: string;
  if (kv[0] === "=") return "build line with missing key";
  if (kv[0] === '"' || kv[0] === "`") {
    const length = goQuotedPrefixLength(kv);
    const unquoted = length === undefined ? undefined : goUnquote(kv.slice(0, length));
    if (length === undefined || unquoted === undefined) return "invalid quoted key in build line";
    if (kv[length] !== "=") return "build line missing '=' after quoted key";
    key = unquoted;
    rawValue = kv.slice(length + 1);
  } else {
    const eq = kv.indexOf("=");
    if (eq === -1) return "build line missing '='";
    key = kv.slice(0, eq);
    rawValue = kv.slice(eq + 1);
  }
  if (rawValue[0] === '"' || rawValue[0] === "`") {
    const value = goUnquote(rawValue);
    if (value === undefined) return "invalid quoted value in build line";
    return { key, value };
  }
  return { key, value: rawValue };
}
