import { InvalidReferenceError } from "../errors.js";
import type { Platform } from "./types.js";

export const DEFAULT_PLATFORM: Platform = { os: "linux", architecture: "amd64" };

const KNOWN_OS = new Set([
  "linux",
  "windows",
  "darwin",
  "freebsd",
  "netbsd",
  "openbsd",
  "solaris",
  "illumos",
]);

// Names uname, Debian and Alpine use for the same architectures (containerd normalizes likewise).
const ARCH_ALIASES: Record<string, { architecture: string; variant?: string }> = {
  x86_64: { architecture: "amd64" },
  "x86-64": { architecture: "amd64" },
  aarch64: { architecture: "arm64" },
  armhf: { architecture: "arm", variant: "v7" },
  armel: { architecture: "arm", variant: "v6" },
  i386: { architecture: "386" },
  i686: { architecture: "386" },
};

/** The variant an image without one is assumed to have. */
const DEFAULT_VARIANT: Record<string, string> = { arm64: "v8", arm: "v7", amd64: "v1" };

/** Lower-cases, maps arch aliases, and fills the default variant so comparisons are plain. */
export function normalizePlatform(p: Platform): Platform {
  const os = p.os.toLowerCase();
  const rawArch = p.architecture.toLowerCase();
  const alias = ARCH_ALIASES[rawArch];
  const architecture = alias?.architecture ?? rawArch;
  let variant = (p.variant ?? alias?.variant)?.toLowerCase();
  if (architecture === "arm64" && variant === "8") variant = "v8";
  if (architecture === "arm" && variant && /^[5-8]$/.test(variant)) variant = `v${variant}`;
  variant ??= DEFAULT_VARIANT[architecture];
  const out: Platform = { os, architecture };
  if (variant) out.variant = variant;
  if (p["os.version"]) out["os.version"] = p["os.version"];
  return out;
}

/**
 * "linux/arm64/v8", "linux/amd64", "arm64" (OS linux) or "linux" (arch amd64), as docker --platform.
 */
export function parsePlatform(text: string): Platform {
  const parts = text.trim().split("/");
  if (parts.length > 3 || parts.some((p) => !/^[A-Za-z0-9._-]+$/.test(p))) {
    throw new InvalidReferenceError(
      `invalid platform "${text}": expected os/arch[/variant], e.g. linux/arm64`,
    );
  }
  const [first = "", second, third] = parts;
  if (second === undefined) {
    return KNOWN_OS.has(first.toLowerCase())
      ? { os: first.toLowerCase(), architecture: DEFAULT_PLATFORM.architecture }
      : { os: DEFAULT_PLATFORM.os, architecture: first.toLowerCase() };
  }
  const out: Platform = { os: first.toLowerCase(), architecture: second.toLowerCase() };
  if (third !== undefined) out.variant = third.toLowerCase();
  return out;
}

/** "linux/arm64/v8"; the variant only when the platform has one. */
export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join("/");
}

/**
 * Whether an image for `candidate` satisfies a request for `wanted`. A request without a variant
 * accepts any variant; arm64 without a variant equals arm64/v8, arm equals arm/v7.
 */
export function platformMatches(wanted: Platform, candidate: Platform): boolean {
  const w = normalizePlatform(wanted);
  const c = normalizePlatform(candidate);
  if (w.os !== c.os || w.architecture !== c.architecture) return false;
  const explicitVariant = wanted.variant ?? ARCH_ALIASES[wanted.architecture.toLowerCase()]?.variant;
  if (explicitVariant === undefined) return true;
  return w.variant === c.variant;
}

/** Higher is better among matches: the default variant wins when the request named none. */
export function platformScore(wanted: Platform, candidate: Platform): number {
  const w = normalizePlatform(wanted);
  const c = normalizePlatform(candidate);
  return w.variant === c.variant ? 1 : 0;
}

/** BuildKit attaches attestation manifests to indexes with platform unknown/unknown. */
export function isUnknownPlatform(p: Platform | undefined): boolean {
  return p !== undefined && p.os === "unknown" && p.architecture === "unknown";
}
