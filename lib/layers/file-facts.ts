import type { LayerFileFacts, PackageCacheFile } from "../checks/types.js";

/** Caches package managers leave behind when a Dockerfile forgets to clean up. */
const PACKAGE_CACHES: ReadonlyArray<{ manager: string; pattern: RegExp }> = [
  { manager: "apt", pattern: /^(var\/cache\/apt\/archives)\/[^/]+\.deb$/ },
  { manager: "apt", pattern: /^(var\/cache\/apt)\/[^/]+\.bin$/ },
  { manager: "apt", pattern: /^(var\/lib\/apt\/lists)\/(?!lock$)[^/]+$/ },
  { manager: "apk", pattern: /^(var\/cache\/apk|etc\/apk\/cache)\/[^/]+$/ },
  { manager: "yum", pattern: /^(var\/cache\/yum)\/.+$/ },
  { manager: "dnf", pattern: /^(var\/cache\/dnf)\/.+$/ },
  { manager: "zypper", pattern: /^(var\/cache\/zypp)\/.+$/ },
  { manager: "pip", pattern: /^((?:root|home\/[^/]+)\/\.cache\/pip)\/.+$/ },
  { manager: "npm", pattern: /^((?:root|home\/[^/]+)\/\.npm\/_cacache)\/.+$/ },
  {
    manager: "yarn",
    pattern: /^(usr\/local\/share\/\.cache\/yarn|(?:root|home\/[^/]+)\/\.cache\/yarn)\/.+$/,
  },
  { manager: "go", pattern: /^((?:root|home\/[^/]+)\/\.cache\/go-build)\/.+$/ },
];

/** Cache files listed one by one per layer; the rest are summarised per directory. */
const MAX_LISTED_CACHE_FILES = 2000;
const MAX_LISTED_MODE_FILES = 5000;

export interface HeaderFacts {
  path: string;
  type: string;
  mode?: number;
  size: number;
}

/** Collects LayerFileFacts from tar headers alone; costs a few comparisons per entry. */
export class FileFactsCollector {
  private readonly setuidFiles: LayerFileFacts["setuidFiles"] = [];
  private readonly worldWritableDirs: LayerFileFacts["worldWritableDirs"] = [];
  private readonly cacheFiles: PackageCacheFile[] = [];
  private readonly overflow = new Map<string, PackageCacheFile>();

  add({ path, type, mode, size }: HeaderFacts): void {
    if (mode === undefined) return;
    const regular = type === "file" || type === "contiguous-file";
    if (regular && (mode & 0o6000) !== 0 && this.setuidFiles.length < MAX_LISTED_MODE_FILES) {
      this.setuidFiles.push({ path, mode: mode & 0o7777 });
    }
    if (type === "directory" && (mode & 0o002) !== 0 && (mode & 0o1000) === 0) {
      if (this.worldWritableDirs.length < MAX_LISTED_MODE_FILES)
        this.worldWritableDirs.push({ path, mode: mode & 0o7777 });
    }
    if (regular && (path.startsWith("var/") || path.includes("/.") || path.startsWith("etc/apk/"))) {
      this.addCacheFile(path, size);
    }
  }

  private addCacheFile(path: string, size: number): void {
    for (const { manager, pattern } of PACKAGE_CACHES) {
      const dir = pattern.exec(path)?.[1];
      if (dir === undefined) continue;
      if (this.cacheFiles.length < MAX_LISTED_CACHE_FILES) {
        this.cacheFiles.push({ path, dir, manager, size, files: 1 });
      } else {
        const summary = this.overflow.get(dir) ?? { path: dir, dir, manager, size: 0, files: 0 };
        summary.size += size;
        summary.files += 1;
        this.overflow.set(dir, summary);
      }
      return;
    }
  }

  output(): LayerFileFacts {
    return {
      setuidFiles: this.setuidFiles,
      worldWritableDirs: this.worldWritableDirs,
      packageCacheFiles: [...this.cacheFiles, ...this.overflow.values()],
    };
  }
}
