import { describe, expect, it } from "vitest";
import { dotnetAnalyzer } from "../../../lib/analyzers/dotnet/dotnet-deps-analyzer.js";
import type { AnalyzerResult } from "../../../lib/analyzers/types.js";
import { junkBytes, readFixture } from "../fixtures.js";

const analyze = (content: string | Buffer, path = "app/App.deps.json"): AnalyzerResult =>
  dotnetAnalyzer.analyze({ path, bytes: typeof content === "string" ? Buffer.from(content) : content });
const nuget = (name: string, version: string) => ({ ecosystem: "nuget", name, version });

describe("dotnet-deps analyzer on SDK-written deps.json files", () => {
  it("TestLibrary.deps.json: packages with runtime assets; projects and asset-less packages left out", () => {
    expect(analyze(readFixture("dotnet", "TestLibrary.deps.json"))).toEqual({
      packages: [
        nuget("AWSSDK.Core", "3.7.10.6"),
        nuget("Microsoft.Extensions.DependencyInjection", "6.0.0"),
        nuget("Microsoft.Extensions.DependencyInjection.Abstractions", "6.0.0"),
        nuget("Microsoft.Extensions.Logging", "6.0.0"),
        nuget("Microsoft.Extensions.Logging.Abstractions", "6.0.0"),
        nuget("Microsoft.Extensions.Options", "6.0.0"),
        nuget("Microsoft.Extensions.Primitives", "6.0.0"),
        nuget("Newtonsoft.Json", "13.0.1"),
        nuget("Serilog", "2.10.0"),
        nuget("Serilog.Sinks.Console", "4.0.1"),
        // Not System.Diagnostics.DiagnosticSource nor System.Runtime.CompilerServices.Unsafe: on
        // net6.0 their target entries list no runtime assets (the shared framework supplies them).
      ],
    });
  });

  it("ExampleApp1.deps.json", () => {
    expect(analyze(readFixture("dotnet", "ExampleApp1.deps.json"))).toEqual({
      packages: [nuget("Newtonsoft.Json", "13.0.1")],
    });
  });

  it("a self-contained app's runtime pack is reported under its NuGet name", () => {
    expect(analyze(readFixture("dotnet", "runtimepack-edge.deps.json"))).toEqual({
      packages: [
        nuget("SQLitePCLRaw.lib.e_sqlite3", "2.1.6"),
        nuget("Acme.Custom.Pack", "4.5.6"),
        nuget("Microsoft.NETCore.App.Runtime.linux-x64", "8.0.0"),
      ],
    });
  });

  it("without the runtime target, every package is kept", () => {
    const doc = JSON.parse(readFixture("dotnet", "TestLibrary.deps.json").toString("utf8"));
    doc.runtimeTarget.name = ".NETCoreApp,Version=v9.0";
    expect(analyze(JSON.stringify(doc)).packages).toHaveLength(12);
  });
});

describe("dotnetAnalyzer.required", () => {
  it.each([
    "app/App.deps.json",
    "App.deps.json",
    "usr/share/dotnet/shared/Microsoft.NETCore.App/8.0.0/Microsoft.NETCore.App.deps.json",
  ])("wants %s", (path) => {
    expect(dotnetAnalyzer.required(path, 5000)).toBe(true);
  });

  it.each([
    "app/App.runtimeconfig.json",
    "app/App.deps.json.bak",
    "app/deps.json",
    "app/App.dll",
    "app/packages.lock.json",
  ])("ignores %s", (path) => {
    expect(dotnetAnalyzer.required(path, 5000)).toBe(false);
  });
});

describe("dotnet-deps analyzer: odd and hostile input", () => {
  it("warns on invalid JSON, junk and the wrong shape, without throwing", () => {
    for (const input of ["{", junkBytes(64 * 1024, 41)]) {
      expect(analyze(input)).toEqual({ packages: [], warnings: ["not valid JSON; skipped"] });
    }
    for (const input of ["[]", "{}", '{"libraries": []}', "null"]) {
      expect(analyze(input)).toEqual({ packages: [], warnings: ["no libraries object; not a deps.json"] });
    }
  });

  it("skips malformed libraries with bounded warnings", () => {
    const huge = "N".repeat(2_000_000);
    const result = analyze(
      JSON.stringify({
        libraries: {
          NoVersion: { type: "package" },
          "/1.0.0": { type: "package" },
          "Trailing/": { type: "package" },
          [`${huge}/1.0.0`]: { type: "package" },
          "Odd/1.0.0": "package",
          "Reference/4.0.0": { type: "referenceassembly" },
          "Typeless/1.0.0": {},
          "Good/1.2.3": { type: "Package" },
        },
      }),
    );
    expect(result.packages).toEqual([nuget("Good", "1.2.3")]);
    expect(result.warnings).toHaveLength(5);
    for (const w of result.warnings ?? []) expect(w.length).toBeLessThan(200);
  });
});
