import { describe, expect, it } from "vitest";
import * as apk from "../../lib/versions/apk.js";
import * as dpkg from "../../lib/versions/dpkg.js";
import * as maven from "../../lib/versions/maven.js";
import * as npm from "../../lib/versions/npm.js";
import * as nuget from "../../lib/versions/nuget.js";
import * as packagist from "../../lib/versions/packagist.js";
import * as pep440 from "../../lib/versions/pep440.js";
import * as rpm from "../../lib/versions/rpm.js";
import * as rubygems from "../../lib/versions/rubygems.js";
import * as semver from "../../lib/versions/semver.js";
import { failures, readJson, readVectors } from "./vectors.js";

type Compare = (a: string, b: string) => number;

// osv-scalibr's hand-written Alpine rows for malformed versions follow its own parser (uppercase
// letters, "-r-0", ".r1" after a number); apk-tools' tokenizer, which we port, orders them differently.
const ALPINE_KNOWN = [4, 5, 15, 24, 27, 28, 40, 47];

const FILES: [string, Compare, number[]?][] = [
  ["alpine-versions.txt", apk.compare, ALPINE_KNOWN],
  ["alpine-versions-generated.txt", apk.compare],
  ["apk-tools-version.data.txt", apk.compare],
  ["debian-versions.txt", dpkg.compare],
  ["debian-versions-generated.txt", dpkg.compare],
  ["redhat-versions.txt", rpm.compare],
  ["rpm-versions.txt", rpm.rpmvercmp],
  ["maven-versions.txt", maven.compare],
  ["maven-versions-generated.txt", maven.compare],
  ["nuget-versions.txt", nuget.compare],
  ["packagist-versions.txt", packagist.compare],
  ["packagist-versions-generated.txt", packagist.compare],
  ["pypi-versions.txt", pep440.compare],
  ["pypi-versions-generated.txt", pep440.compare],
  ["rubygems-versions.txt", rubygems.compare],
  ["rubygems-versions-generated.txt", rubygems.compare],
  ["semver-versions.txt", semver.compare],
  ["node-semver-comparisons.txt", npm.compare],
  ["node-semver-comparisons-loose.txt", npm.compare],
  ["node-semver-equality.txt", npm.compare],
  ["node-semver-equality-loose.txt", npm.compare],
];

describe("version vectors", () => {
  for (const [file, compare, known = []] of FILES) {
    it(`${file}: every row both ways`, () => {
      const rows = readVectors(file);
      expect(rows.length).toBeGreaterThan(0);
      const failed = failures(rows, compare);
      const unexpected = failed.filter((f) => !known.some((n) => f.startsWith(`line ${n}:`)));
      expect(unexpected).toEqual([]);
      expect(failed.length).toBeLessThanOrEqual(known.length);
    });
  }
});

describe("node-semver ranges", () => {
  type RangeRow = [string, string, (boolean | Record<string, unknown>)?];
  const opts = (o: RangeRow[2]) => (typeof o === "object" ? o : { loose: Boolean(o) });
  it("range-include: satisfies", () => {
    const bad = readJson<RangeRow[]>("node-semver-range-include.json").filter(
      ([r, v, o]) => !npm.satisfies(v, r, opts(o)),
    );
    expect(bad).toEqual([]);
  });
  it("range-exclude: does not satisfy", () => {
    const bad = readJson<RangeRow[]>("node-semver-range-exclude.json").filter(([r, v, o]) =>
      npm.satisfies(v, r, opts(o)),
    );
    expect(bad).toEqual([]);
  });
});
