import type { Readable } from "node:stream";

/** OCI content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  "os.version"?: string;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The parts of the OCI image config the scanner uses; unknown fields are kept. */
export interface ImageConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  author?: string;
  config?: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    ExposedPorts?: Record<string, unknown>;
    Labels?: Record<string, string> | null;
    Healthcheck?: unknown;
    [key: string]: unknown;
  };
  rootfs: { type: string; diff_ids: string[] };
  history?: HistoryEntry[];
  [key: string]: unknown;
}

/** Raw manifest (or index) bytes as the source returned them. */
export interface FetchedManifest {
  bytes: Buffer;
  /** Media type from the transport (Content-Type) or the referring descriptor, if known. */
  mediaType?: string;
  /** Digest of `bytes` ("sha256:..."), always computed by the source, never trusted from headers. */
  digest: string;
}

/**
 * Where image bytes come from: a registry, an OCI layout directory or a docker archive.
 * Sources do not interpret manifests; `resolveImage` does that once for all of them.
 */
export interface ImageSource {
  /** Human-readable name used in messages, e.g. "registry.example.com/app:1.0". */
  readonly name: string;
  /** Source kind, recorded in the report. */
  readonly kind: "registry" | "oci-layout" | "docker-archive";
  /** The manifest or index the reference points to (no argument) or the one with this digest. */
  fetchManifest(digest?: string): Promise<FetchedManifest>;
  /**
   * A stream of the blob's raw bytes. Sources need not verify the digest; the layer pipeline and
   * `resolveImage` do, so that every path is verified in one place.
   */
  openBlob(descriptor: Descriptor): Promise<Readable>;
  close?(): Promise<void>;
}

/** A fully resolved single-platform image: what the layer pipeline needs. */
export interface ResolvedImage {
  /** Digest of the manifest (not the index). */
  manifestDigest: string;
  /** Digest of the index the reference pointed to, when it pointed to one. */
  indexDigest?: string;
  manifest: ImageManifest;
  config: ImageConfig;
  configDigest: string;
  platform: Platform;
}
