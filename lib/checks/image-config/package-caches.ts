import type { MisconfigurationFinding } from "../types.js";
import { capEvidence, formatBytes, layerLabel, singleLayer, summarize } from "./evidence.js";
import type { CheckContext } from "./input.js";
import { normalizePath } from "./paths.js";

export const PACKAGE_CACHES_ID = "PCIMG-012";

/** How to avoid leaving each manager's cache behind, in the same RUN that fills it. */
const CLEANUP: Record<string, string> = {
  apt: "rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb",
  apk: "apk add --no-cache",
  yum: "yum clean all && rm -rf /var/cache/yum",
  dnf: "dnf clean all",
  zypper: "zypper clean --all",
  pip: "pip install --no-cache-dir",
  npm: "npm cache clean --force",
  yarn: "yarn cache clean",
};

export function checkPackageCaches({ files }: CheckContext): MisconfigurationFinding | undefined {
  const caches = files.packageCaches
    .filter((cache) => cache.files > 0 || cache.bytes > 0)
    .map((cache) => ({ ...cache, dir: normalizePath(cache.dir) }))
    .sort((a, b) => b.bytes - a.bytes);
  if (caches.length === 0) return undefined;
  const total = caches.reduce((sum, cache) => sum + cache.bytes, 0);
  const managers = [...new Set(caches.map((cache) => cache.manager))];
  const fixes = managers.map((manager) => CLEANUP[manager]).filter((fix) => fix !== undefined);
  const layer = singleLayer(caches.map((cache) => cache.layer));
  return {
    id: PACKAGE_CACHES_ID,
    title: "Package-manager caches left in the image",
    severity: "LOW",
    message: `The image keeps ${formatBytes(total)} of ${summarize(managers)} cache${caches.length === 1 ? "" : "s"} (${summarize(caches.map((cache) => cache.dir))}): stale package indexes and downloads that only enlarge the image.`,
    remediation: `Clean the cache in the same RUN that fills it${fixes.length > 0 ? ` (${fixes.join("; ")})` : ""}, or use a cache mount (RUN --mount=type=cache) so it never enters a layer.`,
    evidence: capEvidence(
      caches.map(
        (cache) =>
          `${cache.dir} (${cache.manager}): ${cache.files} file${cache.files === 1 ? "" : "s"}, ${formatBytes(cache.bytes)} (${layerLabel(cache.layer)})`,
      ),
    ),
    ...(layer !== undefined ? { layer } : {}),
  };
}
