import type { InstalledFiles, PackageFinding } from "../analyzers/types.js";
import type { LayerResult, PathRecord } from "../layers/layer-result.js";
import { isOsEcosystem, type LayerRef, type OperatingSystem, type Package } from "./package.js";

export interface LayerInput {
  ref: LayerRef;
  result: LayerResult;
}

export interface AppliedPath {
  layer: LayerRef;
  record: PathRecord;
}

export interface AppliedImage {
  /** The final view of every analysed path, after whiteouts and replacements. */
  paths: Map<string, AppliedPath>;
  /** Installed packages in the final image, each with the layer that introduced it. */
  packages: Package[];
  /** OS identifications found in the final image, for the caller to pick from. */
  osCandidates: Array<{ path: string; os: OperatingSystem }>;
  /** Files the OS package managers say they installed, in the final image. */
  installedFiles: InstalledFiles[];
}

/**
 * Overlays layer results in order, the way the container runtime overlays the layers themselves:
 * a path written by a later layer replaces the lower one, a whiteout deletes it (and everything
 * below it), an opaque directory hides everything the lower layers put in it. A package's layer is
 * the first layer from which it stayed installed without interruption up to the final image.
 */
export function applyLayers(layers: readonly LayerInput[]): AppliedImage {
  const paths = new Map<string, AppliedPath>();
  const keysByPath = new Map<string, string[]>();
  const liveCount = new Map<string, number>();
  const introducedBy = new Map<string, LayerRef>();

  for (const { ref, result } of layers) {
    const touched = new Set<string>();
    const remove = (path: string) => {
      paths.delete(path);
      for (const key of keysByPath.get(path) ?? []) {
        liveCount.set(key, (liveCount.get(key) ?? 1) - 1);
        touched.add(key);
      }
      keysByPath.delete(path);
    };

    // Whiteouts and opaque directories act on lower layers only, so they go first.
    for (const deleted of result.whiteouts) {
      for (const path of [...paths.keys()]) if (isAtOrBelow(path, deleted)) remove(path);
    }
    for (const dir of result.opaqueDirs) {
      for (const path of [...paths.keys()]) if (isBelow(path, dir)) remove(path);
    }
    for (const record of result.paths) {
      remove(record.path);
      paths.set(record.path, { layer: ref, record });
      const keys = packagesOf(record).map((p) => packageKey(p, record.path));
      keysByPath.set(record.path, keys);
      for (const key of keys) {
        liveCount.set(key, (liveCount.get(key) ?? 0) + 1);
        touched.add(key);
      }
    }

    for (const key of touched) {
      if ((liveCount.get(key) ?? 0) <= 0) {
        liveCount.delete(key);
        introducedBy.delete(key);
      } else if (!introducedBy.has(key)) {
        introducedBy.set(key, ref);
      }
    }
  }

  const packages: Package[] = [];
  const osCandidates: Array<{ path: string; os: OperatingSystem }> = [];
  const installedFiles: InstalledFiles[] = [];
  for (const [path, { layer, record }] of paths) {
    if (record.type !== "file") continue;
    for (const { result } of record.results) {
      if (result.os) osCandidates.push({ path, os: result.os });
      if (result.installedFiles) installedFiles.push(...result.installedFiles);
      for (const finding of result.packages ?? []) {
        const introduced = introducedBy.get(packageKey(finding, path)) ?? layer;
        packages.push({ ...finding, layer: introduced, foundIn: path });
      }
    }
  }
  packages.sort(comparePackages);
  return { paths, packages, osCandidates, installedFiles };
}

function packagesOf(record: PathRecord): PackageFinding[] {
  if (record.type !== "file") return [];
  return record.results.flatMap(({ result }) => result.packages ?? []);
}

/**
 * An OS package is the same package wherever its database moves (status → status.d); a language
 * package is tied to its file: the same Go stdlib in two binaries came with two different layers.
 */
function packageKey(p: PackageFinding, path: string): string {
  const where = isOsEcosystem(p.ecosystem) ? "" : path;
  return `${p.ecosystem}\u0000${p.name}\u0000${p.version}\u0000${p.arch ?? ""}\u0000${where}`;
}

function isAtOrBelow(path: string, dir: string): boolean {
  return path === dir || isBelow(path, dir);
}

function isBelow(path: string, dir: string): boolean {
  return dir === "" ? path !== "" : path.startsWith(`${dir}/`);
}

/** Byte order, not locale order: reports must be identical on every machine. */
function comparePackages(a: Package, b: Package): number {
  return compare(a.ecosystem, b.ecosystem) || compare(a.name, b.name) || compare(a.version, b.version);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
