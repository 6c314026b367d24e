/** A module as recorded in a Go binary's build info (runtime/debug.Module). */
export interface GoModule {
  path: string;
  /** As Go records it: "v1.2.3", a pseudo-version, or "(devel)". */
  version: string;
  /** go.sum hash ("h1:..."), empty when Go had none (main module, local replacements). */
  sum: string;
  /** The module actually compiled in, when a `replace` directive applied. */
  replace?: GoModule;
}

export interface GoBuildSetting {
  key: string;
  value: string;
}

/** What `go version -m` prints, as runtime/debug.BuildInfo holds it. */
export interface GoBuildInfo {
  /** Toolchain that built the binary, e.g. "go1.21.5" or "go1.22.3 X:boringcrypto". */
  goVersion: string;
  /** Import path of the main package. */
  path?: string;
  main?: GoModule;
  deps: GoModule[];
  settings: GoBuildSetting[];
}
