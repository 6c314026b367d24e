import type { Platform } from "../../image/types.js";
import type { ScanWarning } from "../../warnings.js";
import type { OperatingSystem, Package } from "../package.js";

/** The image an SBOM describes, as far as the SBOM says. */
export interface SbomArtifact {
  name: string;
  /** Manifest digest of the image. */
  digest?: string;
  indexDigest?: string;
  mediaType?: string;
  configDigest?: string;
  created?: string;
  platform?: Platform;
}

/** What readSbom rebuilds from a CycloneDX or SPDX document. */
export interface SbomInventory {
  format: "cyclonedx" | "spdx";
  /** "1.6", "SPDX-2.3", ... as the document says. */
  specVersion: string;
  artifact: SbomArtifact;
  os?: OperatingSystem;
  packages: Package[];
  /** Entries that could not become packages (no purl, unreadable purl). */
  warnings: ScanWarning[];
}
