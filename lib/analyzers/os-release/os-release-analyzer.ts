import type { OperatingSystem } from "../../inventory/package.js";
import type { Analyzer, AnalyzerResult } from "../types.js";
import { OS_FILES_BY_PRECEDENCE } from "./os-release-paths.js";
import { osFromOsRelease, parseOsRelease } from "./parse-os-release.js";
import {
  parseAlpineRelease,
  parseDebianVersion,
  parseLsbRelease,
  parseRedHatStyleRelease,
  parseSuseRelease,
} from "./parse-release-files.js";

const PATHS: ReadonlySet<string> = new Set(OS_FILES_BY_PRECEDENCE);

function parseFile(path: string, text: string): OperatingSystem | undefined {
  switch (path) {
    case "etc/os-release":
    case "usr/lib/os-release":
      return osFromOsRelease(parseOsRelease(text));
    case "etc/alpine-release":
      return parseAlpineRelease(text);
    case "etc/debian_version":
      return parseDebianVersion(text);
    case "etc/lsb-release":
      return parseLsbRelease(text);
    case "etc/SuSE-release":
      return parseSuseRelease(text);
    default:
      return parseRedHatStyleRelease(text);
  }
}

/**
 * Identifies the OS from one release file. Each file yields its own answer; the caller collects
 * them across layers and picks one with `pickOperatingSystem`.
 */
export const osReleaseAnalyzer: Analyzer = {
  name: "os-release",
  version: 1,
  // Release files are a few hundred bytes; anything large is not one.
  maxFileSize: 64 * 1024,
  required(path: string): boolean {
    return PATHS.has(path);
  },
  analyze({ path, bytes }): AnalyzerResult {
    const text = bytes.toString("utf8").replace(/\r\n?/g, "\n");
    const os = parseFile(path, text);
    if (os === undefined) return { warnings: ["no operating system identified"] };
    return { os };
  },
};
