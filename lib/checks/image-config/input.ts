import type { ImageConfig } from "../../image/types.js";
import type { LayerRef, Package } from "../../inventory/package.js";
import type { SecretMatch } from "../types.js";
import type { HistoryStep } from "./history.js";

/** The secret rules as a function: text → masked matches (the clear value never comes back). */
export type FindSecrets = (text: string) => SecretMatch[];

export interface ImageConfigCheckInput {
  config: ImageConfig;
  /** The image as the user named it, e.g. "registry/app:latest" (for the latest-tag check). */
  reference?: string;
  /** The image's layers in order (LayerRef from lib/inventory/package.ts). */
  layers: LayerRef[];
  /**
   * Files in the final image filesystem (already overlaid: deleted/replaced ones removed), with the
   * layer that added each.
   */
  files: {
    setuid: Array<{ path: string; mode: number; layer: LayerRef }>;
    worldWritableDirs: Array<{ path: string; mode: number; layer: LayerRef }>;
    packageCaches: Array<{ dir: string; manager: string; files: number; bytes: number; layer: LayerRef }>;
  };
  packages: Package[];
  /** The secret rules, injected so this module does not depend on the secrets engine. */
  findSecrets: FindSecrets;
}

/** What every check sees: the input plus the history parsed once. */
export interface CheckContext extends ImageConfigCheckInput {
  history: HistoryStep[];
}
