import { describe, expect, it } from "vitest";
import { createNpmLockfileAnalyzer } from "../../../lib/analyzers/npm/npm-lockfile-analyzer.js";
import type { AnalyzerResult } from "../../../lib/analyzers/types.js";
import { junkBytes, readFixture } from "../fixtures.js";
import { ids, lockedPackages } from "./npm-fixture.js";

const analyzer = createNpmLockfileAnalyzer();
const analyze = (path: string, content: string | Buffer): AnalyzerResult =>
  analyzer.analyze({ path, bytes: typeof content === "string" ? Buffer.from(content) : content });
const found = (result: AnalyzerResult) => ids(result.packages ?? []);

const locked = lockedPackages();
/** Every release of the install, and those a production install keeps (is-number is dev). */
const ALL = ids(locked);
const PROD = ids(locked.filter((p) => !p.dev));

describe("npm-lockfile analyzer on lockfiles of the same real install", () => {
  it("the fixture has a dev-only package to leave out", () => {
    expect(ALL).toHaveLength(67);
    expect(ALL.filter((id) => !PROD.includes(id))).toEqual(["is-number@7.0.0"]);
  });

  it.each([
    ["app/package-lock.json", "package-lock.json", PROD],
    ["lockfiles/package-lock.v1.json", "package-lock.json", PROD],
    ["lockfiles/package-lock.v2.json", "npm-shrinkwrap.json", PROD],
    ["lockfiles/pnpm-lock.v6.yaml", "pnpm-lock.yaml", PROD],
    ["lockfiles/pnpm-lock.v9.yaml", "pnpm-lock.yaml", PROD],
    // yarn records no dev marker: everything it locked is reported.
    ["lockfiles/yarn-v1.lock", "yarn.lock", ALL],
    ["lockfiles/yarn-berry.lock", "yarn.lock", ALL],
  ])("%s yields exactly the install's packages", (fixture, name, expected) => {
    const result = analyze(`srv/app/${name}`, readFixture("npm", ...fixture.split("/")));
    expect(result.warnings).toBeUndefined();
    expect(found(result)).toEqual(expected);
    expect(result.packages).toHaveLength(expected.length);
    for (const p of result.packages ?? []) expect(p.ecosystem).toBe("npm");
  });

  it("takes licences from v2/v3 entries", () => {
    for (const fixture of ["app/package-lock.json", "lockfiles/package-lock.v2.json"]) {
      const result = analyze("package-lock.json", readFixture("npm", ...fixture.split("/")));
      const licenses = new Map(result.packages?.map((p) => [`${p.name}@${p.version}`, p.licenses]));
      for (const p of locked.filter((l) => !l.dev))
        expect(licenses.get(`${p.name}@${p.version}`)).toEqual([p.license]);
    }
  });
});

describe("npm-lockfile analyzer: required", () => {
  it.each([
    "package-lock.json",
    "app/package-lock.json",
    "srv/www/npm-shrinkwrap.json",
    "app/yarn.lock",
    "app/pnpm-lock.yaml",
    "app/packages/web/package-lock.json",
  ])("wants %s", (path) => {
    expect(analyzer.required(path, 1000)).toBe(true);
  });

  it.each([
    "app/node_modules/.package-lock.json",
    "app/node_modules/some-lib/package-lock.json",
    "app/node_modules/some-lib/yarn.lock",
    "app/node_modules/.pnpm/lock.yaml",
    "app/package.json",
    "app/package-lock.json.orig",
    "app/yarn.lock.bak",
    "app/pnpm-lock.yml",
    "app/Gemfile.lock",
  ])("ignores %s", (path) => {
    expect(analyzer.required(path, 1000)).toBe(false);
  });

  it("is named for the CLI's --include-lockfiles switch", () => {
    expect(analyzer.name).toBe("npm-lockfile");
    expect(analyzer.version).toBe(1);
  });
});

describe("package-lock.json shapes", () => {
  it("reads aliases (v3 name field, v1 npm: version) and skips links, workspaces and non-registry versions", () => {
    const v3 = {
      lockfileVersion: 3,
      packages: {
        "": { name: "app", version: "1.0.0" },
        "packages/web": { name: "web", version: "0.1.0" },
        "node_modules/web": { resolved: "packages/web", link: true },
        "node_modules/old-lodash": { name: "lodash", version: "4.17.4", license: "MIT" },
        "packages/web/node_modules/ms": { version: "2.1.3" },
      },
    };
    expect(analyze("package-lock.json", JSON.stringify(v3)).packages).toEqual([
      { ecosystem: "npm", name: "lodash", version: "4.17.4", licenses: ["MIT"] },
      { ecosystem: "npm", name: "ms", version: "2.1.3" },
    ]);
    const v1 = {
      lockfileVersion: 1,
      dependencies: {
        "old-lodash": { version: "npm:lodash@4.17.4" },
        local: { version: "file:../local" },
        forked: { version: "github:user/forked#abc123" },
        a: { version: "1.0.0", dependencies: { b: { version: "2.0.0", dev: true } } },
      },
    };
    expect(found(analyze("package-lock.json", JSON.stringify(v1)))).toEqual(["a@1.0.0", "lodash@4.17.4"]);
  });

  it("walks a deeply nested v1 tree without recursion", () => {
    // JSON.stringify itself would overflow on this depth; the text is built by hand.
    const depth = 5000;
    let text = '{"dependencies":';
    for (let i = 0; i < depth; i++) text += `{"p${i}":{"version":"1.0.0","dependencies":`;
    text += `{}${"}}".repeat(depth)}}`;
    expect(analyze("package-lock.json", text).packages).toHaveLength(depth);
  });

  it("warns on invalid JSON, wrong shapes and junk entries, without throwing", () => {
    expect(analyze("package-lock.json", "{").warnings).toEqual(["not valid JSON; skipped"]);
    expect(analyze("package-lock.json", "[1]").warnings).toEqual(["not a JSON object; skipped"]);
    expect(analyze("package-lock.json", junkBytes(32 * 1024, 11)).packages).toEqual([]);
    expect(analyze("package-lock.json", '{"lockfileVersion": 3}').warnings).toEqual([
      "neither packages nor dependencies; not an npm lockfile",
    ]);
    const odd = analyze(
      "package-lock.json",
      JSON.stringify({
        packages: {
          "node_modules/a": "nope",
          "node_modules/b": {},
          "node_modules/c": { version: "x".repeat(1_000_000) },
          [`node_modules/${"d".repeat(1_000_000)}`]: { version: "1.0.0" },
        },
      }),
    );
    expect(odd.packages).toEqual([]);
    expect(odd.warnings).toHaveLength(4);
    for (const w of odd.warnings ?? []) expect(w.length).toBeLessThan(200);
  });
});

describe("yarn.lock shapes", () => {
  it("classic: aliases, multi-spec headers, local specs", () => {
    const lock = [
      "# yarn lockfile v1",
      "",
      '"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.10.4":',
      '  version "7.12.13"',
      "  dependencies:",
      '    "@babel/highlight" "^7.12.13"',
      "",
      '"string-width-cjs@npm:string-width@^4.2.0":',
      '  version "4.2.3"',
      "",
      '"local@file:../local":',
      '  version "0.0.1"',
      "",
      "broken@^1.0.0:",
      '  resolved "https://registry.yarnpkg.com/broken/-/broken-1.0.0.tgz"',
      "",
    ].join("\n");
    const result = analyze("yarn.lock", lock);
    expect(found(result)).toEqual(["@babel/code-frame@7.12.13", "string-width@4.2.3"]);
    expect(result.warnings).toEqual(["entry broken@^1.0.0: no version; skipped"]);
  });

  it("berry: resolutions name the package; patch, workspace and soft links are skipped", () => {
    const lock = [
      "__metadata:",
      "  version: 6",
      "",
      '"string-width-cjs@npm:string-width@^4.2.0":',
      "  version: 4.2.3",
      '  resolution: "string-width@npm:4.2.3"',
      "  languageName: node",
      "  linkType: hard",
      "",
      '"resolve@patch:resolve@^1.20.0#~builtin<compat/resolve>":',
      "  version: 1.22.1",
      '  resolution: "resolve@patch:resolve@npm%3A1.22.1#~builtin<compat/resolve>::version=1.22.1&hash=07638b"',
      "  linkType: hard",
      "",
      '"app@workspace:.":',
      "  version: 0.0.0-use.local",
      '  resolution: "app@workspace:."',
      "  linkType: soft",
      "",
      '"nameless@npm:1.0.0":',
      "  linkType: hard",
    ].join("\n");
    const result = analyze("yarn.lock", lock);
    expect(found(result)).toEqual(["string-width@4.2.3"]);
    expect(result.warnings).toEqual(["entry nameless@npm:1.0.0: no resolution or version; skipped"]);
  });

  it("survives junk and huge lines", () => {
    expect(analyze("yarn.lock", junkBytes(64 * 1024, 12)).packages).toEqual([]);
    const huge = `${"a".repeat(5_000_000)}@^1:\n  version "1.0.0"\n`;
    const result = analyze("yarn.lock", huge);
    expect(result.packages).toEqual([]);
    expect(result.warnings?.[0]).toMatch(/name longer than 214 characters/);
    expect(result.warnings?.[0]?.length).toBeLessThan(200);
  });
});

describe("pnpm-lock.yaml shapes", () => {
  it("reads v5 keys with peer suffixes and v6 keys with peer parentheses, skipping dev entries", () => {
    const v5 = [
      "lockfileVersion: 5.4",
      "packages:",
      "  /react-dom/18.2.0_react@18.2.0:",
      "    resolution: {integrity: sha512-x}",
      "    dev: false",
      "  /@types/node/20.1.0:",
      "    dev: true",
      "  /@babel/core/7.22.5:",
      "    dev: false",
    ].join("\n");
    expect(found(analyze("pnpm-lock.yaml", v5))).toEqual(["@babel/core@7.22.5", "react-dom@18.2.0"]);
    const v6 = [
      "lockfileVersion: '6.0'",
      "packages:",
      "  /react-dom@18.2.0(react@18.2.0):",
      "    dev: false",
      "  github.com/user/repo/abc123:",
      "    name: forked",
      "    version: 1.2.3",
      "  github.com/user/other/def456:",
      "    resolution: {tarball: https://codeload.github.com/user/other/tar.gz/def456}",
    ].join("\n");
    expect(found(analyze("pnpm-lock.yaml", v6))).toEqual(["forked@1.2.3", "react-dom@18.2.0"]);
  });

  it("v9: a package both dev and prod reachable stays; aliases resolve to the real package", () => {
    const v9 = [
      "lockfileVersion: '9.0'",
      "importers:",
      "  .:",
      "    dependencies:",
      "      a:",
      "        specifier: ^1.0.0",
      "        version: 1.0.0",
      "      sw:",
      "        specifier: npm:string-width@^4",
      "        version: string-width@4.2.3",
      "    devDependencies:",
      "      t:",
      "        specifier: ^2.0.0",
      "        version: 2.0.0(a@1.0.0)",
      "packages:",
      "  a@1.0.0:",
      "    resolution: {integrity: sha512-a}",
      "  shared@3.0.0: {}",
      "  string-width@4.2.3: {}",
      "  t@2.0.0: {}",
      "  tdep@1.0.0: {}",
      "snapshots:",
      "  a@1.0.0:",
      "    dependencies:",
      "      shared: 3.0.0",
      "  shared@3.0.0: {}",
      "  string-width@4.2.3: {}",
      "  t@2.0.0(a@1.0.0):",
      "    dependencies:",
      "      shared: 3.0.0",
      "      tdep: 1.0.0",
      "  tdep@1.0.0: {}",
    ].join("\n");
    expect(found(analyze("pnpm-lock.yaml", v9))).toEqual(["a@1.0.0", "shared@3.0.0", "string-width@4.2.3"]);
  });

  it("warns on junk, wrong shapes and malformed lines, without throwing", () => {
    const junk = analyze("pnpm-lock.yaml", junkBytes(64 * 1024, 13));
    expect(junk.packages).toEqual([]);
    expect(junk.warnings?.some((w) => w.includes("not a pnpm lockfile"))).toBe(true);
    expect(analyze("pnpm-lock.yaml", "packages:\n  /a@1.0.0:\n").warnings).toEqual([
      "no lockfileVersion or packages section; not a pnpm lockfile",
    ]);
    const odd = analyze(
      "pnpm-lock.yaml",
      "lockfileVersion: '6.0'\npackages:\n  /a@1.0.0:\n    dev false\n  'unterminated\n",
    );
    expect(found(odd)).toEqual(["a@1.0.0"]);
    expect(odd.warnings).toEqual(["2 malformed line(s) ignored"]);
  });
});
