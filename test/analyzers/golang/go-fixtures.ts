import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { storedZip } from "./module-zip.js";

const run = promisify(execFile);

/** Debian's golang-go puts `go` on PATH; the versioned directories are a fallback. */
export function findGo(): string {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir && existsSync(join(dir, "go"))) return join(dir, "go");
  }
  for (const candidate of ["/usr/lib/go/bin/go", "/usr/local/go/bin/go"]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(
    "Go toolchain not found: the Go binary tests build real binaries with `go`. " +
      "Install Debian's golang-go (scripts/ensure-deps.sh does: `npm test`), or put `go` on PATH.",
  );
}

export type GoTarget = "native" | "stripped" | "arm64-trimpath" | "windows" | "mips" | "darwin" | "big";

interface TargetSpec {
  goos: string;
  goarch?: string;
  flags: string[];
  pkg: string;
  file: string;
}

const TARGETS: Record<GoTarget, TargetSpec> = {
  native: { goos: "linux", flags: [], pkg: ".", file: "app" },
  stripped: { goos: "linux", flags: ["-ldflags=-s -w"], pkg: ".", file: "app-stripped" },
  "arm64-trimpath": { goos: "linux", goarch: "arm64", flags: ["-trimpath"], pkg: ".", file: "app-arm64" },
  windows: { goos: "windows", goarch: "amd64", flags: [], pkg: ".", file: "app.exe" },
  mips: { goos: "linux", goarch: "mips", flags: [], pkg: ".", file: "app-mips" },
  darwin: { goos: "darwin", goarch: "arm64", flags: [], pkg: ".", file: "app-darwin" },
  big: { goos: "linux", flags: [], pkg: "./cmd/big", file: "big" },
};

/** Bytes embedded in the "big" binary: it must exceed the analyzers' 8 MiB spill threshold. */
export const BIG_PAD_BYTES = 9 * 1024 * 1024;

const GO_MOD_VERSION = "1.19";

/** Modules served from a GOPROXY=file:// directory, so go.sum and the binary get real hashes. */
const PROXY_MODULES = [
  {
    path: "example.com/portcullis/shout",
    version: "v0.3.1",
    files: {
      "shout.go":
        'package shout\n\nimport "strings"\n\nfunc Loud(s string) string { return strings.ToUpper(s) + "!" }\n',
    },
  },
  {
    path: "example.com/portcullis/colour-fork",
    version: "v1.5.0",
    files: {
      "colour.go": 'package colour\n\nfunc Red(s string) string { return "\\x1b[31m" + s + "\\x1b[0m" }\n',
    },
  },
  {
    path: "example.com/portcullis/pseudo",
    version: "v0.0.0-20240102030405-0123456789ab",
    files: { "pseudo.go": 'package pseudo\n\nfunc Mark() string { return "~" }\n' },
  },
];

const APP_GO_MOD = `module example.com/portcullis/app

go ${GO_MOD_VERSION}

require (
\texample.com/portcullis/colour v1.4.0
\texample.com/portcullis/greet v1.2.3
\texample.com/portcullis/pseudo v0.0.0-20240102030405-0123456789ab
\texample.com/portcullis/shout v0.3.1
)

// A local fork: compiled in from ../greet, recorded as "(devel)".
replace example.com/portcullis/greet v1.2.3 => ../greet

// A fork published under another path: the binary holds colour-fork v1.5.0.
replace example.com/portcullis/colour => example.com/portcullis/colour-fork v1.5.0
`;

const APP_MAIN = `package main

import (
\t"example.com/portcullis/colour"
\t"example.com/portcullis/greet"
\t"example.com/portcullis/pseudo"
\t"example.com/portcullis/shout"
)

// println, not fmt: cross-compiling fewer standard packages keeps the test fast.
func main() { println(colour.Red(shout.Loud(greet.Hello())) + pseudo.Mark()) }
`;

const BIG_MAIN = `package main

import (
\t_ "embed"

\t"example.com/portcullis/shout"
)

//go:embed pad.bin
var pad []byte

func main() { println(shout.Loud("big"), len(pad)) }
`;

/**
 * A Go workspace in a temp directory: a main module with a local `replace`, a fork `replace`, a
 * pseudo-versioned dependency, all vendored, built offline (GOPROXY=off, -mod=vendor,
 * GOTOOLCHAIN=local) with a private GOCACHE. Builds are memoised per target.
 */
export class GoFixtures {
  readonly timings: Record<string, number> = {};
  private readonly builds = new Map<GoTarget, Promise<string>>();

  private constructor(
    readonly root: string,
    readonly go: string,
  ) {}

  static async create(): Promise<GoFixtures> {
    const go = findGo();
    const root = await mkdtemp(join(tmpdir(), "portcullis-go-"));
    const fixtures = new GoFixtures(root, go);
    const started = performance.now();
    await fixtures.writeSources();
    const fetch = { GOFLAGS: "-mod=mod", GOPROXY: `file://${join(root, "proxy")}` };
    await fixtures.go_(["mod", "tidy"], fetch);
    await fixtures.go_(["mod", "vendor"], fetch);
    fixtures.timings.setup = performance.now() - started;
    return fixtures;
  }

  get appDir(): string {
    return join(this.root, "app");
  }

  /** Builds a target once; later calls return the same binary. */
  build(target: GoTarget): Promise<string> {
    let pending = this.builds.get(target);
    if (!pending) {
      pending = this.buildNow(target);
      this.builds.set(target, pending);
    }
    return pending;
  }

  /** `go version -m <binary>`: the oracle the parser is checked against. */
  async versionM(binary: string): Promise<string> {
    const { stdout } = await this.go_(["version", "-m", binary], {});
    return stdout;
  }

  async goVersion(): Promise<string> {
    const { stdout } = await this.go_(["env", "GOVERSION"], {});
    return stdout.trim();
  }

  async cleanup(): Promise<void> {
    // The module cache is written read-only by Go.
    await run("chmod", ["-R", "u+w", this.root]).catch(() => {});
    await rm(this.root, { recursive: true, force: true });
  }

  private async buildNow(target: GoTarget): Promise<string> {
    const spec = TARGETS[target];
    const out = join(this.root, "bin", spec.file);
    const started = performance.now();
    await this.go_(["build", "-o", out, ...spec.flags, spec.pkg], {
      GOOS: spec.goos,
      ...(spec.goarch ? { GOARCH: spec.goarch } : {}),
    });
    this.timings[target] = performance.now() - started;
    return out;
  }

  private async writeSources(): Promise<void> {
    const file = async (path: string, content: string | Buffer) => {
      const abs = join(this.root, path);
      await mkdir(dirname(abs), { recursive: true });
      await writeFile(abs, content);
    };
    await file("greet/go.mod", `module example.com/portcullis/greet\n\ngo ${GO_MOD_VERSION}\n`);
    await file("greet/greet.go", 'package greet\n\nfunc Hello() string { return "hello" }\n');
    await file("app/go.mod", APP_GO_MOD);
    await file("app/main.go", APP_MAIN);
    await file("app/cmd/big/main.go", BIG_MAIN);
    // A repeating pattern: a big binary that gzips to a small layer.
    await file("app/cmd/big/pad.bin", Buffer.alloc(BIG_PAD_BYTES, "portcullis"));
    for (const mod of PROXY_MODULES) {
      const goMod = `module ${mod.path}\n\ngo ${GO_MOD_VERSION}\n`;
      const dir = `proxy/${mod.path}/@v`;
      await file(`${dir}/list`, `${mod.version}\n`);
      await file(
        `${dir}/${mod.version}.info`,
        JSON.stringify({ Version: mod.version, Time: "2024-01-02T03:04:05Z" }),
      );
      await file(`${dir}/${mod.version}.mod`, goMod);
      const prefix = `${mod.path}@${mod.version}/`;
      const entries = [{ name: `${prefix}go.mod`, data: Buffer.from(goMod) }];
      for (const [name, content] of Object.entries(mod.files)) {
        entries.push({ name: `${prefix}${name}`, data: Buffer.from(content) });
      }
      await file(`${dir}/${mod.version}.zip`, storedZip(entries));
    }
  }

  /** Runs go in the app module with an environment that cannot reach the network. */
  private async go_(
    args: string[],
    env: Record<string, string>,
  ): Promise<{ stdout: string; stderr: string }> {
    const base: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("GO")) base[k] = v;
    try {
      return await run(this.go, args, {
        cwd: this.appDir,
        timeout: 300_000,
        maxBuffer: 16 * 1024 * 1024,
        env: {
          ...base,
          HOME: this.root,
          GOPATH: join(this.root, "gopath"),
          GOCACHE: join(this.root, "gocache"),
          GOENV: "off",
          GOWORK: "off",
          GOTOOLCHAIN: "local",
          GOTELEMETRY: "off",
          GOSUMDB: "off",
          GOPROXY: "off",
          GOFLAGS: "-mod=vendor",
          CGO_ENABLED: "0",
          GO111MODULE: "on",
          ...env,
        },
      });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`go ${args.join(" ")} failed: ${e.stderr || e.message}`);
    }
  }
}

/** One `go version -m` report, split the way the test compares it. */
export interface GoVersionM {
  goVersion: string;
  /** Lines after the first, without their leading tab and without Go's blank lines. */
  lines: string[];
}

export function parseVersionM(binary: string, output: string): GoVersionM {
  const [first = "", ...rest] = output.split("\n");
  const prefix = `${binary}: `;
  if (!first.startsWith(prefix)) throw new Error(`unexpected go version -m output: ${first}`);
  return {
    goVersion: first.slice(prefix.length),
    lines: rest.map((l) => l.replace(/^\t/, "")).filter((l) => l !== ""),
  };
}
