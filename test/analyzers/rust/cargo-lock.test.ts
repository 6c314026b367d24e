import { describe, expect, it } from "vitest";
import { cargoLockAnalyzer } from "../../../lib/analyzers/rust/cargo-lock-analyzer.js";
import { parseCargoLock } from "../../../lib/analyzers/rust/parse-cargo-lock.js";
import { readFixture } from "../fixtures.js";

const analyze = (text: string | Buffer, path = "app/Cargo.lock") =>
  cargoLockAnalyzer.analyze({ path, bytes: typeof text === "string" ? Buffer.from(text) : text });

describe("cargo-lock analyzer on ripgrep's Cargo.lock (format 4)", () => {
  const lock = readFixture("rust", "ripgrep.Cargo.lock");

  it("reports the 52 crates.io packages and none of the 11 workspace crates", () => {
    const result = analyze(lock);
    expect(result.warnings).toBeUndefined();
    const found = (result.packages ?? []).map((p) => `${p.name}@${p.version}`);
    expect(found).toHaveLength(52);
    expect(found).toEqual(expect.arrayContaining(["aho-corasick@1.1.5", "libc@0.2.189", "zmij@1.0.23"]));
    // Two major versions of one crate are two packages.
    expect(found.filter((f) => f.startsWith("syn@"))).toEqual(["syn@2.0.119", "syn@3.0.3"]);
    // Build metadata stays part of the version.
    expect(found).toContain("tikv-jemalloc-sys@0.7.1+5.3.1-0-g81034ce1f1373e37dc865038e1bc8eeecf559ce8");
    for (const local of ["ripgrep", "grep", "ignore", "globset", "grep-cli"]) {
      expect(
        found.some((f) => f.startsWith(`${local}@`)),
        local,
      ).toBe(false);
    }
    expect(result.packages?.every((p) => p.ecosystem === "cargo")).toBe(true);
  });

  it("parses every entry with its source and checksum", () => {
    const { packages, warnings } = parseCargoLock(lock.toString("utf8"));
    expect(warnings).toEqual([]);
    expect(packages).toHaveLength(63);
    expect(packages[0]).toEqual({
      name: "aho-corasick",
      version: "1.1.5",
      source: "registry+https://github.com/rust-lang/crates.io-index",
      checksum: "c982642fa9e8606056828ee9a8505737230110bb1099153c79efe865c59d12ba",
    });
    expect(packages.find((p) => p.name === "ripgrep")).toEqual({ name: "ripgrep", version: "15.2.0" });
  });
});

describe("parseCargoLock: the rest of the format", () => {
  it("reads format 1 (a [root] table and [metadata] checksums with quoted keys)", () => {
    const v1 = [
      "[root]",
      'name = "app"',
      'version = "0.1.0"',
      "dependencies = [",
      ' "libc 0.2.40 (registry+https://github.com/rust-lang/crates.io-index)",',
      "]",
      "",
      "[[package]]",
      'name = "libc"',
      'version = "0.2.40"',
      'source = "registry+https://github.com/rust-lang/crates.io-index"',
      "",
      "[metadata]",
      '"checksum libc 0.2.40 (registry+https://github.com/rust-lang/crates.io-index)" = "6fd41f331ac7c5b8ac259b8bf82c75c0fb2e469bbf37d2becbba9a6a2221965b"',
      "",
    ].join("\n");
    expect(parseCargoLock(v1)).toEqual({
      packages: [
        { name: "libc", version: "0.2.40", source: "registry+https://github.com/rust-lang/crates.io-index" },
      ],
      warnings: [],
    });
  });

  it("handles git and sparse sources, CRLF, comments, escapes and inline tables", () => {
    const text = [
      "# comment",
      "version = 3",
      "",
      "[[package]]",
      'name = "tokio" # trailing comment',
      'version = "1.38.0"',
      "source = 'sparse+https://index.crates.io/'",
      "",
      "[[package]]",
      'name = "my\\u0041pp"',
      'version = "0.1.0"',
      'source = "git+https://github.com/x/y?branch=main#0123abcd"',
      'extra = { a = [1, 2], b = "x]" }',
      "",
    ].join("\r\n");
    expect(parseCargoLock(text)).toEqual({
      packages: [
        { name: "tokio", version: "1.38.0", source: "sparse+https://index.crates.io/" },
        { name: "myApp", version: "0.1.0", source: "git+https://github.com/x/y?branch=main#0123abcd" },
      ],
      warnings: [],
    });
  });

  it("keeps what it read before a syntax error, with a warning", () => {
    const text =
      '[[package]]\nname = "a"\nversion = "1.0.0"\nsource = "registry+x"\n\n[[package]]\nname = "b\n';
    expect(parseCargoLock(text)).toEqual({
      packages: [{ name: "a", version: "1.0.0", source: "registry+x" }],
      warnings: [
        "Cargo.lock: a [[package]] entry without name or version was skipped",
        "Cargo.lock: line 7: unterminated string; the rest was not read",
      ],
    });
  });

  it("survives garbage and deep nesting without throwing", () => {
    for (const text of [
      "\u0000\u0001",
      "[[",
      "= x",
      "a = [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]",
      "[[package]]\nname",
    ]) {
      expect(() => parseCargoLock(text)).not.toThrow();
      expect(parseCargoLock(text).packages).toEqual([]);
    }
  });
});

describe("cargo-lock analyzer paths", () => {
  it("wants lock files of applications, not of downloaded crate sources or toolchains", () => {
    const req = (p: string) => cargoLockAnalyzer.required(p, 1000);
    expect(req("app/Cargo.lock")).toBe(true);
    expect(req("Cargo.lock")).toBe(true);
    expect(req("usr/src/myapp/Cargo.lock")).toBe(true);
    expect(req("root/.cargo/registry/src/index.crates.io-6f17d22bba15001f/ripgrep-14.1.0/Cargo.lock")).toBe(
      false,
    );
    expect(req("usr/local/cargo/registry/src/x/y-1.0.0/Cargo.lock")).toBe(false);
    expect(req("home/u/.cargo/git/checkouts/y/abc/Cargo.lock")).toBe(false);
    expect(req("root/.rustup/toolchains/stable/lib/rustlib/src/rust/library/Cargo.lock")).toBe(false);
    expect(req("usr/share/cargo/registry/foo-1.0.0/Cargo.lock")).toBe(false);
    expect(req("app/Cargo.toml")).toBe(false);
    expect(req("app/NotCargo.lock")).toBe(false);
  });
});
