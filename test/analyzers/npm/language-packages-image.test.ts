import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANALYZERS } from "../../../lib/analyzers/index.js";
import { createNpmLockfileAnalyzer } from "../../../lib/analyzers/npm/npm-lockfile-analyzer.js";
import type { Analyzer } from "../../../lib/analyzers/types.js";
import { openImageSource } from "../../../lib/image/open-image-source.js";
import type { ScanReport } from "../../../lib/report/scan-report.js";
import { scanImage } from "../../../lib/scan.js";
import {
  buildLayer,
  fileEntriesFromDir,
  type LayerEntry,
  writeOciLayout,
} from "../../helpers/oci-builder.js";
import { fixturePath, readFixture } from "../fixtures.js";
import { APP_DIR, ids, lockedPackages } from "./npm-fixture.js";

/**
 * The language analyzers through the whole pipeline: an OCI layout whose first layer holds the
 * real npm install under /app (plus Node.js itself), whose second holds gems, Composer's
 * installed.json and a .NET app, and whose third deletes one gem.
 */
const LANGUAGE_ANALYZERS: readonly Analyzer[] = ANALYZERS;
const GEMS_320 = [
  "concurrent-ruby-1.2.2",
  "nokogiri-1.15.4-x86_64-linux",
  "parser-3.2.2.4",
  "racc-1.7.3",
  "rack-3.0.8",
];

/** A 5 MiB stand-in for the node binary: above the npm analyzer's spill threshold. */
function fakeNodeBinary(): Buffer {
  const bytes = Buffer.alloc(5 * 1024 * 1024);
  Buffer.from("\0node.js/v20.20.2\0").copy(bytes, 3 * 1024 * 1024);
  return bytes;
}

let work: string;
let layout: string;
let diffIDs: string[];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "portcullis-lang-"));
  layout = join(work, "layout");
  const npmLayer: LayerEntry[] = [
    ...(await fileEntriesFromDir(APP_DIR, "app")),
    // Deeper inside a package: not a package root, so neither read nor warned about.
    { path: "app/node_modules/express/lib/package.json", content: '{"name":"fixture","version":"0.0.0"}' },
    { path: "srv/yarn-app/yarn.lock", content: readFixture("npm", "lockfiles", "yarn-berry.lock") },
    { path: "srv/pnpm-app/pnpm-lock.yaml", content: readFixture("npm", "lockfiles", "pnpm-lock.v9.yaml") },
    {
      path: "usr/local/include/node/node_version.h",
      content: readFixture("npm", "runtime", "node_version.h"),
    },
    { path: "usr/local/bin/node", content: fakeNodeBinary(), mode: 0o755 },
  ];
  const specs = (dir: string, prefix: string, names: string[]): LayerEntry[] =>
    names.map((name) => ({
      path: `${prefix}/${name}.gemspec`,
      content: readFixture("ruby", dir, "specifications", `${name}.gemspec`),
    }));
  const otherLayer: LayerEntry[] = [
    ...specs("ruby-3.2.0", "usr/local/bundle/specifications", GEMS_320),
    ...specs("ruby-2.7.0", "var/lib/gems/2.7.0/specifications", ["rack-2.2.3"]),
    ...specs("ruby-2.3.0", "usr/lib/ruby/gems/2.3.0/specifications", ["rack-2.0.3"]),
    {
      path: "var/www/html/vendor/composer/installed.json",
      content: await readFile(fixturePath("php", "composer-2", "vendor", "composer", "installed.json")),
    },
    { path: "app/publish/TestLibrary.deps.json", content: readFixture("dotnet", "TestLibrary.deps.json") },
  ];
  const deleteLayer: LayerEntry[] = [
    { path: "usr/lib/ruby/gems/2.3.0/specifications/.wh.rack-2.0.3.gemspec" },
  ];
  const layers = [await buildLayer(npmLayer), await buildLayer(otherLayer), await buildLayer(deleteLayer)];
  diffIDs = layers.map((l) => l.diffID);
  await writeOciLayout(layout, { layers, tag: "lang" });
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function scan(analyzers: readonly Analyzer[]): Promise<ScanReport> {
  return scanImage(await openImageSource(`oci:${layout}:lang`), { analyzers });
}

const of = (report: ScanReport, ecosystem: string) =>
  report.packages.filter((p) => p.ecosystem === ecosystem);
const LOCKFILES = ["app/package-lock.json", "srv/yarn-app/yarn.lock", "srv/pnpm-app/pnpm-lock.yaml"];

describe("language packages through scanImage", () => {
  it("finds every npm package at its install location, in the first layer", async () => {
    const report = await scan(LANGUAGE_ANALYZERS);
    expect(report.warnings).toEqual([]);
    const npm = of(report, "npm");
    const locked = lockedPackages();
    expect(npm.map((p) => `${p.foundIn} ${p.name}@${p.version}`).sort()).toEqual(
      locked.map((p) => `app/${p.location}/package.json ${p.name}@${p.version}`).sort(),
    );
    expect(ids(npm)).toEqual(ids(locked));
    for (const p of npm) expect(p.layer).toMatchObject({ index: 0, diffID: diffIDs[0] });
    // The lockfiles are not read without the lockfile analyzer.
    expect(report.packages.filter((p) => LOCKFILES.includes(p.foundIn))).toEqual([]);

    // Both sources of the runtime's version are reported; the binary was spilled and read in chunks.
    expect(
      of(report, "node")
        .map((p) => `${p.foundIn} ${p.version} ${p.layer.index}`)
        .sort(),
    ).toEqual(["usr/local/bin/node 20.20.2 0", "usr/local/include/node/node_version.h 20.20.2 0"]);
  });

  it("finds gems, Composer packages and NuGet packages in the second layer, minus the deleted gem", async () => {
    const report = await scan(LANGUAGE_ANALYZERS);
    const where = (ecosystem: string) =>
      of(report, ecosystem).map((p) => `${p.name}@${p.version} ${p.foundIn} ${p.layer.index}`);
    expect(where("gem")).toEqual([
      "concurrent-ruby@1.2.2 usr/local/bundle/specifications/concurrent-ruby-1.2.2.gemspec 1",
      "nokogiri@1.15.4 usr/local/bundle/specifications/nokogiri-1.15.4-x86_64-linux.gemspec 1",
      "parser@3.2.2.4 usr/local/bundle/specifications/parser-3.2.2.4.gemspec 1",
      "racc@1.7.3 usr/local/bundle/specifications/racc-1.7.3.gemspec 1",
      "rack@2.2.3 var/lib/gems/2.7.0/specifications/rack-2.2.3.gemspec 1",
      "rack@3.0.8 usr/local/bundle/specifications/rack-3.0.8.gemspec 1",
    ]);
    expect(where("composer")).toEqual([
      "asm89/stack-cors@1.3.0 var/www/html/vendor/composer/installed.json 1",
      "behat/mink@v1.8.1 var/www/html/vendor/composer/installed.json 1",
    ]);
    const nuget = of(report, "nuget");
    expect(nuget).toHaveLength(10);
    for (const p of nuget) {
      expect(p.foundIn).toBe("app/publish/TestLibrary.deps.json");
      expect(p.layer).toMatchObject({ index: 1, diffID: diffIDs[1] });
    }
  });

  it("reads the lockfiles only when the lockfile analyzer is included", async () => {
    const report = await scan([...LANGUAGE_ANALYZERS, createNpmLockfileAnalyzer()]);
    expect(report.warnings).toEqual([]);
    const locked = lockedPackages();
    const prod = ids(locked.filter((p) => !p.dev));
    const from = (file: string) => ids(report.packages.filter((p) => p.foundIn === file));
    expect(from("app/package-lock.json")).toEqual(prod);
    expect(from("srv/pnpm-app/pnpm-lock.yaml")).toEqual(prod);
    expect(from("srv/yarn-app/yarn.lock")).toEqual(ids(locked));
    // npm's hidden lockfile inside node_modules stays unread.
    expect(report.packages.some((p) => p.foundIn === "app/node_modules/.package-lock.json")).toBe(false);
    expect(of(report, "npm").filter((p) => p.foundIn.endsWith("/package.json"))).toHaveLength(70);
  });
});
