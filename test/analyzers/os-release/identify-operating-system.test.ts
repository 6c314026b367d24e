import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { advisoryRelease } from "../../../lib/analyzers/os-release/advisory-release.js";
import { endOfLifeDate } from "../../../lib/analyzers/os-release/end-of-life.js";
import { identifyOperatingSystem } from "../../../lib/analyzers/os-release/identify-operating-system.js";
import { inferOsFromPackages } from "../../../lib/analyzers/os-release/infer-from-packages.js";
import { osReleaseAnalyzer } from "../../../lib/analyzers/os-release/os-release-analyzer.js";
import type { PackageFinding } from "../../../lib/analyzers/types.js";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/os-release/${name}`, import.meta.url));

function fromFixture(name: string, path = "etc/os-release") {
  const os = osReleaseAnalyzer.analyze({ path, bytes: fixture(name) }).os;
  if (!os) throw new Error(`no OS in ${name}`);
  return os;
}

const NOW = new Date("2026-11-28T00:00:00Z");

describe("advisory release per family", () => {
  it.each([
    ["debian-12.os-release", "debian", "12"],
    ["debian-8.os-release", "debian", "8"],
    ["ubuntu-22.04.os-release", "ubuntu", "22.04"],
    ["alpine-3.19.os-release", "alpine", "3.19"],
    ["ubi-9.os-release", "rhel", "9"],
    ["rocky-9.3.os-release", "rocky", "9"],
    ["almalinux-9.3.os-release", "almalinux", "9"],
    ["oraclelinux-9.os-release", "ol", "9"],
    ["centos-7.os-release", "centos", "7"],
    ["amazonlinux-2.os-release", "amzn", "2"],
    ["amazonlinux-2023.os-release", "amzn", "2023"],
    ["fedora-39.os-release", "fedora", "39"],
    ["opensuse-leap-15.5.os-release", "opensuse-leap", "15.5"],
    ["sles-15-sp5.os-release", "sles", "15.5"],
    ["photon-5.0.os-release", "photon", "5.0"],
    ["cbl-mariner-2.0.os-release", "cbl-mariner", "2.0"],
    ["azurelinux-3.0.os-release", "azurelinux", "3.0"],
  ])("%s → %s %s", (file, family, release) => {
    const os = identifyOperatingSystem([{ path: "etc/os-release", os: fromFixture(file) }], [], NOW);
    expect(os).toMatchObject({ family, release });
  });

  it.each([
    "wolfi.os-release",
    "chainguard.os-release",
    "opensuse-tumbleweed.os-release",
    "debian-trixie-sid.os-release",
  ])("%s is rolling or unreleased: no release key", (file) => {
    const os = identifyOperatingSystem([{ path: "etc/os-release", os: fromFixture(file) }], [], NOW);
    expect(os?.release).toBeUndefined();
    expect(os?.eol).toBeUndefined();
  });

  it("keeps a non-numeric version id as it is", () => {
    expect(advisoryRelease({ family: "debian", versionId: "sid" })).toBe("sid");
    expect(advisoryRelease({ family: "amzn", versionId: "2018.03" })).toBe("2018.03");
  });
});

describe("end of life", () => {
  it("flags releases whose security support has ended at scan time", () => {
    const at = (date: string) => new Date(`${date}T12:00:00Z`);
    const debian11 = { path: "etc/os-release", os: { family: "debian", versionId: "11" } };
    expect(identifyOperatingSystem([debian11], [], at("2026-08-30"))).toMatchObject({
      eolDate: "2026-08-31",
      eol: false,
    });
    expect(identifyOperatingSystem([debian11], [], at("2026-08-31"))).toMatchObject({ eol: true });
    const ubuntu1804 = fromFixture("ubuntu-22.04.os-release");
    expect(identifyOperatingSystem([{ path: "etc/os-release", os: ubuntu1804 }], [], NOW)).toMatchObject({
      eol: false,
      eolDate: "2027-06-01",
    });
  });

  it("has no date for releases it does not know", () => {
    expect(endOfLifeDate("debian", "99")).toBeUndefined();
    expect(endOfLifeDate("nonexistent", "1")).toBeUndefined();
    const os = identifyOperatingSystem(
      [{ path: "etc/os-release", os: { family: "debian", versionId: "99" } }],
      [],
      NOW,
    );
    expect(os).toEqual({ family: "debian", versionId: "99", release: "99" });
  });
});

describe("OS from packages when no release file exists (distroless)", () => {
  const pkg = (ecosystem: string, name: string, version: string): PackageFinding => ({
    ecosystem,
    name,
    version,
  });

  it.each([
    [pkg("deb", "base-files", "12.4+deb12u5"), { family: "debian", versionId: "12", release: "12" }],
    [pkg("deb", "base-files", "11.1+deb11u8"), { family: "debian", versionId: "11", eol: true }],
    [pkg("apk", "alpine-release", "3.19.1-r0"), { family: "alpine", versionId: "3.19.1", release: "3.19" }],
    [pkg("rpm", "redhat-release", "9.3-0.5.el9"), { family: "rhel", release: "9" }],
    [pkg("rpm", "system-release", "2023.3.20240108-0.amzn2023"), { family: "amzn", release: "2023" }],
    [pkg("rpm", "system-release", "1:2-15.amzn2"), { family: "amzn", release: "2" }],
    [pkg("rpm", "mariner-release", "2.0-56.cm2"), { family: "cbl-mariner", release: "2.0" }],
  ])("%j", (found, expected) => {
    const os = identifyOperatingSystem([], [pkg("deb", "libc6", "2.36-9"), found], NOW);
    expect(os).toMatchObject({ ...expected, detectedFrom: `package ${found.name} ${found.version}` });
  });

  it("prefers release files over packages", () => {
    const os = identifyOperatingSystem(
      [{ path: "etc/os-release", os: fromFixture("debian-12.os-release") }],
      [pkg("deb", "base-files", "11.1+deb11u8")],
      NOW,
    );
    expect(os).toMatchObject({ family: "debian", release: "12" });
    expect(os?.detectedFrom).toBeUndefined();
  });

  it("says nothing without a telling package", () => {
    expect(inferOsFromPackages([pkg("deb", "libc6", "2.36-9")])).toBeUndefined();
    expect(inferOsFromPackages([pkg("deb", "base-files", "garbage")])).toBeUndefined();
    expect(identifyOperatingSystem([], [], NOW)).toBeUndefined();
  });
});
