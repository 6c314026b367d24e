import { describe, expect, it } from "vitest";
import { goPackages } from "../../../lib/analyzers/golang/go-packages.js";
import { goUnquote } from "../../../lib/analyzers/golang/go-unquote.js";
import { goModuleVersion, goVersionToSemver } from "../../../lib/analyzers/golang/go-version.js";
import { parseModInfo } from "../../../lib/analyzers/golang/parse-mod-info.js";

describe("parseModInfo", () => {
  it("reads what runtime/debug.BuildInfo.String writes, blank lines included", () => {
    const text = [
      "path\texample.com/app/cmd/app",
      "mod\texample.com/app\tv1.4.0\th1:app=",
      "dep\tgithub.com/a/b\tv1.0.0\th1:ab=",
      "dep\tgithub.com/c/d\tv2.0.0+incompatible",
      "=>\tgithub.com/fork/d\tv2.0.1-0.20240101000000-abcdefabcdef\th1:fork=",
      "",
      'build\t"key with space"=`raw value`',
      'build\t-ldflags="-X \\"main.v=1\\" -s"',
      "build\tvcs.revision=0123abc",
      "build\tCGO_ENABLED=",
      "",
    ].join("\n");
    expect(parseModInfo(text, "go1.22.3 X:boringcrypto")).toEqual({
      info: {
        goVersion: "go1.22.3 X:boringcrypto",
        path: "example.com/app/cmd/app",
        main: { path: "example.com/app", version: "v1.4.0", sum: "h1:app=" },
        deps: [
          { path: "github.com/a/b", version: "v1.0.0", sum: "h1:ab=" },
          {
            path: "github.com/c/d",
            version: "v2.0.0+incompatible",
            sum: "",
            replace: {
              path: "github.com/fork/d",
              version: "v2.0.1-0.20240101000000-abcdefabcdef",
              sum: "h1:fork=",
            },
          },
        ],
        settings: [
          { key: "key with space", value: "raw value" },
          { key: "-ldflags", value: '-X "main.v=1" -s' },
          { key: "vcs.revision", value: "0123abc" },
          { key: "CGO_ENABLED", value: "" },
        ],
      },
      warnings: [],
    });
  });

  it("drops a last line without a newline, as Go does", () => {
    expect(parseModInfo("path\tx\ndep\ty\tv1.0.0\th1:y=", "go1.21.0").info.deps).toEqual([]);
  });

  it("summarises floods of malformed lines", () => {
    const { warnings } = parseModInfo("dep\tx\n".repeat(50), "go1.21.0");
    expect(warnings).toHaveLength(11);
    expect(warnings[10]).toBe("40 more malformed Go build info lines");
  });

  it("warns on invalid quoting", () => {
    expect(parseModInfo('build\t"unterminated=x\nbuild\tk="bad\\q"\n', "go1.21.0").warnings).toEqual([
      "Go build info line 1: invalid quoted key in build line",
      "Go build info line 2: invalid quoted value in build line",
    ]);
  });
});

describe("goUnquote", () => {
  it("undoes strconv.Quote", () => {
    expect(goUnquote('"a\\tb\\n\\"c\\"\\\\"')).toBe('a\tb\n"c"\\');
    expect(goUnquote('"\\u00e9\\U0001F600\\x41\\101"')).toBe("é😀AA");
    expect(goUnquote('"\\xc3\\xa9"')).toBe("é");
    expect(goUnquote("`raw \\n`")).toBe("raw \\n");
    expect(goUnquote('"dangling\\"')).toBeUndefined();
    expect(goUnquote('"\\z"')).toBeUndefined();
    expect(goUnquote("plain")).toBeUndefined();
  });
});

describe("Go versions in OSV form", () => {
  it("normalises toolchain versions", () => {
    expect(goVersionToSemver("go1.21.5")).toBe("1.21.5");
    expect(goVersionToSemver("go1.20")).toBe("1.20.0");
    expect(goVersionToSemver("go1.21rc2")).toBe("1.21.0-rc.2");
    expect(goVersionToSemver("go1.19beta1")).toBe("1.19.0-beta.1");
    expect(goVersionToSemver("go1.22.3 X:boringcrypto")).toBe("1.22.3");
    expect(goVersionToSemver("go1.21.0-bigcorp")).toBe("1.21.0-bigcorp");
    expect(goVersionToSemver("devel go1.23-e8ee1dc4f9 Tue Feb 6 17:54:21 2024 +0000")).toBeUndefined();
    expect(goVersionToSemver("")).toBeUndefined();
  });

  it("drops the v of module versions", () => {
    expect(goModuleVersion("v1.2.3")).toBe("1.2.3");
    expect(goModuleVersion("v0.0.0-20240102030405-0123456789ab")).toBe("0.0.0-20240102030405-0123456789ab");
    expect(goModuleVersion("v2.0.0+incompatible")).toBe("2.0.0+incompatible");
  });
});

describe("goPackages", () => {
  it("reports a versioned main module and skips what has no version", () => {
    expect(
      goPackages({
        goVersion: "devel go1.23-abc",
        main: { path: "example.com/tool", version: "v0.9.1", sum: "h1:t=" },
        deps: [
          { path: "a", version: "(devel)", sum: "" },
          { path: "b", version: "v1.0.0", sum: "", replace: { path: "./b", version: "", sum: "" } },
          { path: "c", version: "", sum: "", replace: { path: "c-fork", version: "v1.1.0", sum: "" } },
        ],
        settings: [],
      }),
    ).toEqual([
      { ecosystem: "golang", name: "example.com/tool", version: "0.9.1", checksum: "h1:t=" },
      { ecosystem: "golang", name: "c-fork", version: "1.1.0", source: { name: "c" } },
    ]);
  });
});
