import { describe, expect, it } from "vitest";
import { gemAnalyzer } from "../../../lib/analyzers/ruby/gemspec-analyzer.js";
import { gemFromFileName } from "../../../lib/analyzers/ruby/gemspec-file-name.js";
import type { AnalyzerResult } from "../../../lib/analyzers/types.js";
import { junkBytes, readFixture } from "../fixtures.js";

const analyze = (path: string, content: string | Buffer): AnalyzerResult =>
  gemAnalyzer.analyze({ path, bytes: typeof content === "string" ? Buffer.from(content) : content });
const fixture = (dir: string, file: string) =>
  analyze(`usr/local/bundle/specifications/${file}`, readFixture("ruby", dir, "specifications", file));

describe("gemspec analyzer on installed specs written by RubyGems 2.5, 3.1 and 3.4", () => {
  it.each([
    ["ruby-3.2.0", "rack-3.0.8.gemspec", { name: "rack", version: "3.0.8", licenses: ["MIT"] }],
    [
      "ruby-3.2.0",
      "racc-1.7.3.gemspec",
      { name: "racc", version: "1.7.3", licenses: ["Ruby", "BSD-2-Clause"] },
    ],
    ["ruby-3.2.0", "parser-3.2.2.4.gemspec", { name: "parser", version: "3.2.2.4", licenses: ["MIT"] }],
    [
      "ruby-3.2.0",
      "concurrent-ruby-1.2.2.gemspec",
      { name: "concurrent-ruby", version: "1.2.2", licenses: ["MIT"] },
    ],
    [
      "ruby-3.2.0",
      "nokogiri-1.15.4-x86_64-linux.gemspec",
      { name: "nokogiri", version: "1.15.4", licenses: ["MIT"], arch: "x86_64-linux" },
    ],
    ["ruby-2.7.0", "rack-2.2.3.gemspec", { name: "rack", version: "2.2.3", licenses: ["MIT"] }],
    ["ruby-2.3.0", "rack-2.0.3.gemspec", { name: "rack", version: "2.0.3", licenses: ["MIT"] }],
  ])("%s/%s", (dir, file, expected) => {
    expect(fixture(dir, file)).toEqual({ packages: [{ ecosystem: "gem", ...expected }] });
  });
});

describe("gemAnalyzer.required", () => {
  it.each([
    "usr/local/bundle/specifications/rack-2.2.8.gemspec",
    "var/lib/gems/3.1.0/specifications/rack-2.2.8.gemspec",
    "usr/share/rubygems-integration/all/specifications/rake-13.0.6.gemspec",
    "usr/local/lib/ruby/gems/3.2.0/specifications/default/json-2.6.3.gemspec",
    "app/vendor/bundle/ruby/3.2.0/specifications/nokogiri-1.15.4-x86_64-linux.gemspec",
    "specifications/x-1.0.gemspec",
  ])("wants %s", (path) => {
    expect(gemAnalyzer.required(path, 2000)).toBe(true);
  });

  it.each([
    "app/rack.gemspec",
    "usr/local/bundle/gems/rack-2.2.8/rack.gemspec",
    "app/vendor/bundle/ruby/3.2.0/bundler/gems/rails-abc123/rails.gemspec",
    "usr/local/bundle/specifications/rack-2.2.8.gemspec.bak",
    "usr/local/bundle/specifications/sub/rack-2.2.8.gemspec",
    "usr/local/bundle/myspecifications/rack-2.2.8.gemspec",
    "usr/local/bundle/specifications/default/nested/x-1.gemspec",
    "usr/local/bundle/cache/rack-2.2.8.gem",
  ])("ignores %s", (path) => {
    expect(gemAnalyzer.required(path, 2000)).toBe(false);
  });
});

describe("gemspec analyzer: odd and hostile specs", () => {
  const PATH = "var/lib/gems/3.1.0/specifications/async-1.25.0.gemspec";

  it("follows the block variable, single quotes, license=, and trailing comments", () => {
    const spec = [
      "# -*- encoding: utf-8 -*-",
      "Gem::Specification.new do |spec|",
      "    spec.name = 'async'.freeze # comment",
      '    spec.version = "1.25.0"',
      '    spec.license = "MIT"',
      '    other.name = "not-this"',
      "end",
    ].join("\n");
    expect(analyze(PATH, spec)).toEqual({
      packages: [{ ecosystem: "gem", name: "async", version: "1.25.0", licenses: ["MIT"] }],
    });
  });

  it("falls back to the file name, with a warning, when a value is not a literal", () => {
    const spec = "Gem::Specification.new do |s|\n  s.name = NAME\n  s.version = Async::VERSION\nend\n";
    expect(analyze(PATH, spec)).toEqual({
      packages: [{ ecosystem: "gem", name: "async", version: "1.25.0" }],
      warnings: ["no literal name; taken from the file name"],
    });
  });

  it("skips, with a warning, a spec with neither literals nor a usable file name", () => {
    const result = analyze(
      "usr/local/bundle/specifications/weird.gemspec",
      "Gem::Specification.new do |s|\nend\n",
    );
    expect(result).toEqual({
      packages: [],
      warnings: ["no name and version in the spec or its file name; skipped"],
    });
  });

  it("survives binary junk, CRLF, huge lines and huge values", () => {
    const junk = analyze("usr/local/bundle/specifications/junk.gemspec", junkBytes(256 * 1024, 21));
    expect(junk.packages).toEqual([]);
    const crlf = readFixture("ruby", "ruby-3.2.0", "specifications", "rack-3.0.8.gemspec")
      .toString("utf8")
      .replace(/\n/g, "\r\n");
    expect(analyze(PATH, crlf).packages).toEqual([
      { ecosystem: "gem", name: "rack", version: "3.0.8", licenses: ["MIT"] },
    ]);
    const hugeLine = `  s.description = "${"x".repeat(4_000_000)}\n`;
    const withHugeLine = `Gem::Specification.new do |s|\n${hugeLine}  s.name = "a"\n  s.version = "1"\nend\n`;
    expect(analyze(PATH, withHugeLine).packages).toEqual([{ ecosystem: "gem", name: "a", version: "1" }]);
    const hugeName = `Gem::Specification.new do |s|\n  s.name = "${"n".repeat(1_000_000)}"\n  s.version = "1"\nend\n`;
    expect(analyze(PATH, hugeName)).toEqual({
      packages: [],
      warnings: ["implausible name or version; skipped"],
    });
  });
});

describe("gemFromFileName", () => {
  it.each([
    ["rack-2.2.8.gemspec", { name: "rack", version: "2.2.8" }],
    ["aws-sdk-s3-1.136.0.gemspec", { name: "aws-sdk-s3", version: "1.136.0" }],
    ["net-http-0.4.1.gemspec", { name: "net-http", version: "0.4.1" }],
    [
      "nokogiri-1.15.4-x86_64-linux.gemspec",
      { name: "nokogiri", version: "1.15.4", platform: "x86_64-linux" },
    ],
    ["rails-7.1.0.rc1.gemspec", { name: "rails", version: "7.1.0.rc1" }],
  ])("%s", (file, expected) => {
    expect(gemFromFileName(file)).toEqual(expected);
  });

  it.each(["rack.gemspec", "2.2.8.gemspec", "-1.0.gemspec", "rack-2.2.8.gem"])("rejects %s", (file) => {
    expect(gemFromFileName(file)).toBeUndefined();
  });
});
