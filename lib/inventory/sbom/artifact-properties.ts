import type { Platform } from "../../image/types.js";
import type { ScanReport } from "../../report/scan-report.js";
import type { Property } from "./package-properties.js";
import type { SbomArtifact } from "./sbom-inventory.js";

/** Image facts that SBOM formats have no field for, carried on the image component/package. */
const A = {
  mediaType: "portcullis:artifact:mediaType",
  configDigest: "portcullis:artifact:configDigest",
  indexDigest: "portcullis:artifact:indexDigest",
  created: "portcullis:artifact:created",
  os: "portcullis:platform:os",
  architecture: "portcullis:platform:architecture",
  variant: "portcullis:platform:variant",
  osVersion: "portcullis:platform:os.version",
} as const;

export function artifactProperties(artifact: ScanReport["artifact"]): Property[] {
  const out: Property[] = [];
  const add = (name: string, value: string | undefined) => {
    if (value !== undefined && value !== "") out.push({ name, value });
  };
  add(A.mediaType, artifact.mediaType);
  add(A.configDigest, artifact.configDigest);
  add(A.indexDigest, artifact.indexDigest);
  add(A.created, artifact.created);
  add(A.os, artifact.platform.os);
  add(A.architecture, artifact.platform.architecture);
  add(A.variant, artifact.platform.variant);
  add(A.osVersion, artifact.platform["os.version"]);
  return out;
}

/** Adds what artifactProperties wrote to an artifact read from an SBOM. */
export function applyArtifactProperties(
  artifact: SbomArtifact,
  properties: ReadonlyMap<string, string>,
): void {
  const set = (key: "mediaType" | "configDigest" | "indexDigest" | "created", name: string) => {
    const value = properties.get(name);
    if (value !== undefined) artifact[key] = value;
  };
  set("mediaType", A.mediaType);
  set("configDigest", A.configDigest);
  set("indexDigest", A.indexDigest);
  set("created", A.created);
  const os = properties.get(A.os);
  const architecture = properties.get(A.architecture);
  if (os !== undefined && architecture !== undefined) {
    const platform: Platform = { os, architecture };
    const variant = properties.get(A.variant);
    if (variant !== undefined) platform.variant = variant;
    const osVersion = properties.get(A.osVersion);
    if (osVersion !== undefined) platform["os.version"] = osVersion;
    artifact.platform = platform;
  }
}
