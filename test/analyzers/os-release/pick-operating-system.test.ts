import { describe, expect, it } from "vitest";
import { osReleaseAnalyzer } from "../../../lib/analyzers/os-release/os-release-analyzer.js";
import {
  type OsCandidate,
  pickOperatingSystem,
} from "../../../lib/analyzers/os-release/pick-operating-system.js";
import { readFixture } from "../fixtures.js";

/** Runs the analyzer on a fixture as the file at `path`, like the layer walk would. */
function candidate(fixture: string, path: string): OsCandidate {
  const { os } = osReleaseAnalyzer.analyze({ path, bytes: readFixture("os-release", fixture) });
  if (!os) throw new Error(`${fixture}: no os`);
  return { path, os };
}

const debianOsRelease = candidate("debian-12.os-release", "etc/os-release");
const debianVersion = candidate("debian-12.debian_version", "etc/debian_version");

describe("pickOperatingSystem", () => {
  it("returns undefined for no candidates", () => {
    expect(pickOperatingSystem([])).toBeUndefined();
  });

  it("prefers etc/os-release over debian_version, whatever the input order", () => {
    expect(pickOperatingSystem([debianVersion, debianOsRelease])).toEqual(debianOsRelease.os);
    expect(pickOperatingSystem([debianOsRelease, debianVersion])).toEqual(debianOsRelease.os);
  });

  it("prefers etc/os-release over usr/lib/os-release", () => {
    const usrLib: OsCandidate = { path: "usr/lib/os-release", os: { family: "debian", versionId: "11" } };
    expect(pickOperatingSystem([usrLib, debianOsRelease])?.versionId).toBe("12");
  });

  it("prefers usr/lib/os-release over release files", () => {
    const usrLib = { ...candidate("ubi-9.os-release", "usr/lib/os-release") };
    const redhat = candidate("ubi-9.redhat-release", "etc/redhat-release");
    // Fields the os-release lacks (codename) come from the same family's release file.
    expect(pickOperatingSystem([redhat, usrLib])).toEqual({ ...usrLib.os, codename: "Plow" });
  });

  it("uses debian_version alone (distroless without os-release)", () => {
    expect(pickOperatingSystem([debianVersion])).toEqual({
      family: "debian",
      name: "Debian GNU/Linux",
      version: "12.5",
      versionId: "12",
      codename: "bookworm",
    });
  });

  it("fills a missing VERSION_ID from debian_version", () => {
    const noVersionId: OsCandidate = {
      path: "etc/os-release",
      os: {
        family: "debian",
        name: "Debian GNU/Linux",
        codename: "bookworm",
        prettyName: "Debian GNU/Linux",
      },
    };
    expect(pickOperatingSystem([noVersionId, debianVersion])).toEqual({
      family: "debian",
      name: "Debian GNU/Linux",
      version: "12.5",
      versionId: "12",
      codename: "bookworm",
      prettyName: "Debian GNU/Linux",
    });
  });

  it("keeps Debian testing without a version id (debian_version says trixie/sid)", () => {
    const os = pickOperatingSystem([
      candidate("debian-trixie-sid.debian_version", "etc/debian_version"),
      candidate("debian-trixie-sid.os-release", "etc/os-release"),
    ]);
    expect(os?.family).toBe("debian");
    expect(os?.codename).toBe("trixie");
    expect(os?.versionId).toBeUndefined();
  });

  it("never fills from another family (Ubuntu's debian_version is Debian's)", () => {
    const ubuntu = candidate("ubuntu-22.04.os-release", "etc/os-release");
    const os = pickOperatingSystem([
      candidate("ubuntu-22.04.debian_version", "etc/debian_version"),
      candidate("ubuntu-22.04.lsb-release", "etc/lsb-release"),
      ubuntu,
    ]);
    expect(os).toEqual(ubuntu.os);
  });

  it("prefers oracle-release over Oracle Linux's RHEL-worded redhat-release", () => {
    const os = pickOperatingSystem([
      candidate("oraclelinux-9.redhat-release", "etc/redhat-release"),
      candidate("oraclelinux-9.oracle-release", "etc/oracle-release"),
    ]);
    expect(os?.family).toBe("ol");
  });

  it("prefers release files over debian_version and debian_version over lsb-release", () => {
    const alpine = candidate("alpine-3.19.alpine-release", "etc/alpine-release");
    const lsb = candidate("ubuntu-22.04.lsb-release", "etc/lsb-release");
    expect(pickOperatingSystem([lsb, debianVersion, alpine])?.family).toBe("alpine");
    expect(pickOperatingSystem([lsb, debianVersion])?.family).toBe("debian");
  });

  it("ranks unknown paths last, keeping input order among equals", () => {
    const a: OsCandidate = { path: "somewhere/else", os: { family: "a" } };
    const b: OsCandidate = { path: "other/place", os: { family: "b" } };
    expect(pickOperatingSystem([a, b])?.family).toBe("a");
    expect(pickOperatingSystem([b, a, debianVersion])?.family).toBe("debian");
  });

  it("does not mutate its input", () => {
    const winner: OsCandidate = { path: "etc/os-release", os: { family: "debian" } };
    pickOperatingSystem([winner, debianVersion]);
    expect(winner.os).toEqual({ family: "debian" });
  });
});
