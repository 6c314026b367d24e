import { describe, expect, it } from "vitest";
import { composerAnalyzer } from "../../../lib/analyzers/php/composer-analyzer.js";
import type { AnalyzerResult } from "../../../lib/analyzers/types.js";
import { junkBytes, readFixture } from "../fixtures.js";

const PATH = "var/www/html/vendor/composer/installed.json";
const analyze = (content: string | Buffer): AnalyzerResult =>
  composerAnalyzer.analyze({
    path: PATH,
    bytes: typeof content === "string" ? Buffer.from(content) : content,
  });

const EXPECTED = [
  { ecosystem: "composer", name: "asm89/stack-cors", version: "1.3.0", licenses: ["MIT"] },
  // Reported as written, "v" included; behat/mink is a dev package in Composer 2's file, and is on disk.
  { ecosystem: "composer", name: "behat/mink", version: "v1.8.1", licenses: ["MIT"] },
];

describe("composer analyzer on installed.json as Composer 1 and 2 write it", () => {
  it.each(["composer-1", "composer-2"])("%s", (dir) => {
    expect(analyze(readFixture("php", dir, "vendor", "composer", "installed.json"))).toEqual({
      packages: EXPECTED,
    });
  });
});

describe("composerAnalyzer.required", () => {
  it.each(["vendor/composer/installed.json", PATH, "app/vendor/composer/installed.json"])(
    "wants %s",
    (path) => {
      expect(composerAnalyzer.required(path, 5000)).toBe(true);
    },
  );

  it.each([
    "app/composer.lock",
    "app/vendor/composer/installed.php",
    "app/vendor/composer/installed.json.bak",
    "app/myvendor/composer/installed.json",
    "app/vendor/composer/sub/installed.json",
    "app/installed.json",
  ])("ignores %s", (path) => {
    expect(composerAnalyzer.required(path, 5000)).toBe(false);
  });
});

describe("composer analyzer: odd and hostile input", () => {
  it("warns on invalid JSON, binary junk and the wrong shape, without throwing", () => {
    for (const input of ["{", "", junkBytes(64 * 1024, 31)]) {
      expect(analyze(input)).toEqual({ packages: [], warnings: ["not valid JSON; skipped"] });
    }
    for (const input of ["{}", '{"packages": {}}', "null", '"x"', "7"]) {
      expect(analyze(input).warnings).toEqual([
        "neither a package array (Composer 1) nor {packages: [...]} (Composer 2); skipped",
      ]);
    }
  });

  it("skips entries that are not packages, and bounds huge strings", () => {
    const huge = "x".repeat(5_000_000);
    const result = analyze(
      JSON.stringify({
        packages: [
          null,
          "monolog/monolog",
          { name: "monolog/monolog" },
          { name: huge, version: "1.0.0" },
          { name: "psr/log", version: "1.1.4", license: "MIT" },
          { name: "acme/lib", version: "dev-main", license: ["MIT", 5, "", "MIT", "proprietary"] },
        ],
      }),
    );
    expect(result.packages).toEqual([
      { ecosystem: "composer", name: "psr/log", version: "1.1.4", licenses: ["MIT"] },
      { ecosystem: "composer", name: "acme/lib", version: "dev-main", licenses: ["MIT", "proprietary"] },
    ]);
    expect(result.warnings).toEqual([
      "packages[0]: not an object; skipped",
      "packages[1]: not an object; skipped",
      "packages[2]: no name or version; skipped",
      "packages[3]: implausible name or version; skipped",
    ]);
  });

  it("caps the warnings of a file full of junk entries", () => {
    const result = analyze(JSON.stringify(Array.from({ length: 10_000 }, () => 0)));
    expect(result.warnings).toHaveLength(21);
    expect(result.warnings?.[20]).toBe("9980 more warning(s) not shown");
  });
});
