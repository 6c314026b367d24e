import { describe, expect, it } from "vitest";
import { COMPARATORS, comparatorFor } from "../../lib/versions/index.js";

const GARBAGE = ["", " ", "garbage", "!!", "-", ":", "~", "1.2.3-", "v", "..", "\u00e9", "1:", "+x"];

describe("every comparator", () => {
  for (const c of Object.values(COMPARATORS)) {
    it(`${c.name}: never throws, is reflexive and antisymmetric on garbage`, () => {
      const all = [...GARBAGE, "1.0", "2.0", "10.0"];
      for (const a of all) {
        expect(c.compare(a, a)).toBe(0);
        for (const b of all) expect(Math.sign(c.compare(a, b)) + Math.sign(c.compare(b, a))).toBe(0);
        expect(typeof c.isValid(a)).toBe("boolean");
      }
      expect(c.isValid("")).toBe(false);
    });
    it(`${c.name}: numbers beyond 2^53 compare exactly`, () => {
      expect(c.compare("9007199254740993", "9007199254740992")).toBeGreaterThan(0);
      expect(c.compare("1.99999999999999999999999", "1.99999999999999999999998")).toBeGreaterThan(0);
      expect(c.compare("1.2.99999999999999999999999", "1.2.100000000000000000000000")).toBeLessThan(0);
    });
    it(`${c.name}: basic ordering`, () => {
      expect(c.compare("1.2.10", "1.2.9")).toBeGreaterThan(0);
      expect(c.compare("1.0.0", "2.0.0")).toBeLessThan(0);
    });
  }
});

describe("leading zeros", () => {
  it("numeric parts ignore leading zeros where the ecosystem does", () => {
    expect(COMPARATORS.dpkg.compare("1.002", "1.2")).toBe(0);
    expect(COMPARATORS.rpm.compare("10.0001", "10.1")).toBe(0);
    expect(COMPARATORS.maven.compare("1.01", "1.1")).toBe(0);
    expect(COMPARATORS.pep440.compare("1.01", "1.1")).toBe(0);
    expect(COMPARATORS.nuget.compare("1.0.01", "1.0.1")).toBe(0);
    // apk: a leading zero after '.' makes a fractional-looking part, 1.01 < 1.1
    expect(COMPARATORS.apk.compare("1.01", "1.1")).toBeLessThan(0);
  });
});

describe("specific rules", () => {
  it("dpkg: epoch, tilde and revision", () => {
    const c = COMPARATORS.dpkg.compare;
    expect(c("1:1.0", "2.0")).toBeGreaterThan(0);
    expect(c("1.0~rc1", "1.0")).toBeLessThan(0);
    expect(c("1.0-1", "1.0-1ubuntu1")).toBeLessThan(0);
    expect(COMPARATORS.dpkg.isValid("1:2.30-1")).toBe(true);
    expect(COMPARATORS.dpkg.isValid("a1.0")).toBe(false);
  });
  it("rpm: epoch, tilde, caret", () => {
    const c = COMPARATORS.rpm.compare;
    expect(c("1:1.0-1", "2.0-1")).toBeGreaterThan(0);
    expect(c("1.0~rc1-1", "1.0-1")).toBeLessThan(0);
    expect(c("1.0^git1-1", "1.0-1")).toBeGreaterThan(0);
    expect(c("1.0-1.el8", "1.0-1.el8_8")).toBeLessThan(0);
  });
  it("apk: suffixes and revisions", () => {
    const c = COMPARATORS.apk.compare;
    expect(c("1.2.3_rc1", "1.2.3")).toBeLessThan(0);
    expect(c("1.2.3_p1", "1.2.3")).toBeGreaterThan(0);
    expect(c("1.2.3-r10", "1.2.3-r9")).toBeGreaterThan(0);
    expect(COMPARATORS.apk.isValid("1.2.3_git20230101-r0")).toBe(true);
  });
  it("go: v optional, +incompatible, pseudo-versions, toolchain forms", () => {
    const c = COMPARATORS.go.compare;
    expect(c("v1.2.3", "1.2.3")).toBe(0);
    expect(c("v2.0.0+incompatible", "v2.0.0")).toBe(0);
    expect(c("v0.0.0-20191109021931-daa7c04131f5", "v0.0.0-20200101000000-aaaaaaaaaaaa")).toBeLessThan(0);
    expect(c("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.3")).toBeGreaterThan(0);
    expect(c("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4")).toBeLessThan(0);
    expect(c("go1.21.5", "1.21.5")).toBe(0);
    expect(c("go1.21rc1", "1.21.0")).toBeLessThan(0);
    expect(c("go1.21rc2", "go1.21rc10")).toBeLessThan(0);
    expect(c("1.21.5", "1.22.0")).toBeLessThan(0);
  });
  it("pep440: epochs, pre/post/dev, local, normalisation", () => {
    const c = COMPARATORS.pep440.compare;
    expect(c("1.0.dev1", "1.0a1")).toBeLessThan(0);
    expect(c("1.0a1", "1.0b1")).toBeLessThan(0);
    expect(c("1.0rc1", "1.0")).toBeLessThan(0);
    expect(c("1.0", "1.0.post1")).toBeLessThan(0);
    expect(c("1.0+local", "1.0")).toBeGreaterThan(0);
    expect(c("1!0.1", "2.0")).toBeGreaterThan(0);
    expect(c("1.0.0", "1.0")).toBe(0);
    expect(c("1.0-ALPHA-1", "1.0a1")).toBe(0);
    expect(COMPARATORS.pep440.isValid("not a version")).toBe(false);
    expect(c("not a version", "0.0.1")).toBeLessThan(0);
  });
  it("maven: qualifier order", () => {
    const c = COMPARATORS.maven.compare;
    const order = ["1-alpha", "1-beta", "1-milestone", "1-rc", "1-snapshot", "1", "1-sp"];
    for (let i = 1; i < order.length; i++)
      expect(c(order[i - 1] as string, order[i] as string)).toBeLessThan(0);
    expect(c("1-cr", "1-rc")).toBe(0);
    expect(c("1-ga", "1")).toBe(0);
    expect(c("1.final", "1.release")).toBe(0);
  });
  it("nuget: four parts and case-insensitive pre-release", () => {
    expect(COMPARATORS.nuget.compare("1.0.0.0", "1.0")).toBe(0);
    expect(COMPARATORS.nuget.compare("1.0.0-BETA", "1.0.0-beta")).toBe(0);
    expect(COMPARATORS.nuget.isValid("1.2.3.4-beta")).toBe(true);
  });
  it("packagist: v prefix and stability order", () => {
    const c = COMPARATORS.packagist.compare;
    expect(c("v1.0.0", "1.0.0")).toBe(0);
    const order = ["1.0-dev", "1.0-alpha1", "1.0-beta1", "1.0-RC1", "1.0", "1.0-patch1"];
    for (let i = 1; i < order.length; i++)
      expect(c(order[i - 1] as string, order[i] as string)).toBeLessThan(0);
  });
  it("rubygems: pre-releases and '-'", () => {
    const c = COMPARATORS.rubygems.compare;
    expect(c("1.0.0.pre", "1.0.0")).toBeLessThan(0);
    expect(c("1.0-1", "1.0")).toBeLessThan(0);
    expect(c("1.0.0", "1")).toBe(0);
  });
});

describe("comparatorFor", () => {
  const cases: [string, string | undefined][] = [
    ["Debian", "dpkg"],
    ["Debian:12", "dpkg"],
    ["Ubuntu:22.04:LTS", "dpkg"],
    ["Ubuntu:Pro:18.04:LTS", "dpkg"],
    ["Alpine", "apk"],
    ["Alpine:v3.19", "apk"],
    ["Wolfi", "apk"],
    ["Chainguard", "apk"],
    ["Red Hat", "rpm"],
    ["Red Hat:enterprise_linux:9::appstream", "rpm"],
    ["Rocky Linux", "rpm"],
    ["AlmaLinux:9", "rpm"],
    ["openSUSE", "rpm"],
    ["SUSE:Linux Enterprise Server 15 SP5", "rpm"],
    ["Photon OS:5.0", "rpm"],
    ["Azure Linux", "rpm"],
    ["Mageia:9", "rpm"],
    ["npm", "npm"],
    ["PyPI", "pep440"],
    ["Go", "go"],
    ["Maven", "maven"],
    ["crates.io", "crates"],
    ["RubyGems", "rubygems"],
    ["Packagist", "packagist"],
    ["NuGet", "nuget"],
    ["Hex", "semver"],
    ["deb", "dpkg"],
    ["apk", "apk"],
    ["rpm", "rpm"],
    ["pypi", "pep440"],
    ["golang", "go"],
    ["maven", "maven"],
    ["gem", "rubygems"],
    ["composer", "packagist"],
    ["cargo", "crates"],
    ["nuget", "nuget"],
    ["Nonexistent", undefined],
    ["", undefined],
  ];
  for (const [eco, name] of cases) {
    it(`${JSON.stringify(eco)} -> ${name}`, () => expect(comparatorFor(eco)?.name).toBe(name));
  }
});
