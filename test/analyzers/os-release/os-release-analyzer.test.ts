import { describe, expect, it } from "vitest";
import { osReleaseAnalyzer } from "../../../lib/analyzers/os-release/os-release-analyzer.js";
import type { OperatingSystem } from "../../../lib/inventory/package.js";
import { readFixture } from "../fixtures.js";

const analyzeFixture = (fixture: string, path: string) =>
  osReleaseAnalyzer.analyze({ path, bytes: readFixture("os-release", fixture) });
const analyzeText = (text: string, path: string) =>
  osReleaseAnalyzer.analyze({ path, bytes: Buffer.from(text) });

const OS_RELEASE = "etc/os-release";

describe("os-release analyzer: etc/os-release per family", () => {
  const cases: Array<[fixture: string, os: OperatingSystem]> = [
    [
      "debian-12.os-release",
      {
        family: "debian",
        name: "Debian GNU/Linux",
        version: "12 (bookworm)",
        versionId: "12",
        codename: "bookworm",
        prettyName: "Debian GNU/Linux 12 (bookworm)",
      },
    ],
    [
      "debian-8.os-release",
      {
        family: "debian",
        name: "Debian GNU/Linux",
        version: "8 (jessie)",
        versionId: "8",
        codename: "jessie",
        prettyName: "Debian GNU/Linux 8 (jessie)",
      },
    ],
    [
      "debian-trixie-sid.os-release",
      {
        family: "debian",
        name: "Debian GNU/Linux",
        codename: "trixie",
        prettyName: "Debian GNU/Linux trixie/sid",
      },
    ],
    [
      "ubuntu-22.04.os-release",
      {
        family: "ubuntu",
        name: "Ubuntu",
        version: "22.04.4 LTS (Jammy Jellyfish)",
        versionId: "22.04",
        codename: "jammy",
        prettyName: "Ubuntu 22.04.4 LTS",
      },
    ],
    [
      "alpine-3.19.os-release",
      { family: "alpine", name: "Alpine Linux", versionId: "3.19.1", prettyName: "Alpine Linux v3.19" },
    ],
    [
      "ubi-9.os-release",
      {
        family: "rhel",
        name: "Red Hat Enterprise Linux",
        version: "9.3 (Plow)",
        versionId: "9.3",
        prettyName: "Red Hat Enterprise Linux 9.3 (Plow)",
      },
    ],
    [
      "amazonlinux-2023.os-release",
      {
        family: "amzn",
        name: "Amazon Linux",
        version: "2023",
        versionId: "2023",
        prettyName: "Amazon Linux 2023.3.20240108",
      },
    ],
    [
      "amazonlinux-2.os-release",
      { family: "amzn", name: "Amazon Linux", version: "2", versionId: "2", prettyName: "Amazon Linux 2" },
    ],
    [
      // VERSION_CODENAME="" means no codename, not "Container Image".
      "fedora-39.os-release",
      {
        family: "fedora",
        name: "Fedora Linux",
        version: "39 (Container Image)",
        versionId: "39",
        prettyName: "Fedora Linux 39 (Container Image)",
      },
    ],
    [
      "opensuse-leap-15.5.os-release",
      {
        family: "opensuse-leap",
        name: "openSUSE Leap",
        version: "15.5",
        versionId: "15.5",
        prettyName: "openSUSE Leap 15.5",
      },
    ],
    [
      // The commented-out VERSION stays a comment.
      "opensuse-tumbleweed.os-release",
      {
        family: "opensuse-tumbleweed",
        name: "openSUSE Tumbleweed",
        versionId: "20240101",
        prettyName: "openSUSE Tumbleweed",
      },
    ],
    [
      "sles-15-sp5.os-release",
      {
        family: "sles",
        name: "SLES",
        version: "15-SP5",
        versionId: "15.5",
        prettyName: "SUSE Linux Enterprise Server 15 SP5",
      },
    ],
    [
      "photon-5.0.os-release",
      {
        family: "photon",
        name: "VMware Photon OS",
        version: "5.0",
        versionId: "5.0",
        prettyName: "VMware Photon OS/Linux",
      },
    ],
    [
      "azurelinux-3.0.os-release",
      {
        family: "azurelinux",
        name: "Microsoft Azure Linux",
        version: "3.0.20240727",
        versionId: "3.0",
        prettyName: "Microsoft Azure Linux 3.0",
      },
    ],
    [
      // CBL-Mariner says ID=mariner; advisories know it as cbl-mariner.
      "cbl-mariner-2.0.os-release",
      {
        family: "cbl-mariner",
        name: "Common Base Linux Mariner",
        version: "2.0.20240123",
        versionId: "2.0",
        prettyName: "CBL-Mariner/Linux",
      },
    ],
    ["wolfi.os-release", { family: "wolfi", name: "Wolfi", versionId: "20230201", prettyName: "Wolfi" }],
    [
      "chainguard.os-release",
      { family: "chainguard", name: "Chainguard", versionId: "20230214", prettyName: "Chainguard" },
    ],
    [
      "rocky-9.3.os-release",
      {
        family: "rocky",
        name: "Rocky Linux",
        version: "9.3 (Blue Onyx)",
        versionId: "9.3",
        prettyName: "Rocky Linux 9.3 (Blue Onyx)",
      },
    ],
    [
      "almalinux-9.3.os-release",
      {
        family: "almalinux",
        name: "AlmaLinux",
        version: "9.3 (Shamrock Pampas Cat)",
        versionId: "9.3",
        prettyName: "AlmaLinux 9.3 (Shamrock Pampas Cat)",
      },
    ],
    [
      "oraclelinux-9.os-release",
      {
        family: "ol",
        name: "Oracle Linux Server",
        version: "9.3",
        versionId: "9.3",
        prettyName: "Oracle Linux Server 9.3",
      },
    ],
    [
      "centos-7.os-release",
      {
        family: "centos",
        name: "CentOS Linux",
        version: "7 (Core)",
        versionId: "7",
        prettyName: "CentOS Linux 7 (Core)",
      },
    ],
  ];

  it.each(cases)("%s", (fixture, os) => {
    expect(analyzeFixture(fixture, OS_RELEASE)).toEqual({ os });
    expect(analyzeFixture(fixture, "usr/lib/os-release")).toEqual({ os });
  });
});

describe("os-release analyzer: other release files", () => {
  it.each<[fixture: string, path: string, os: OperatingSystem]>([
    [
      "alpine-3.19.alpine-release",
      "etc/alpine-release",
      { family: "alpine", name: "Alpine Linux", version: "3.19.1", versionId: "3.19.1" },
    ],
    [
      "debian-12.debian_version",
      "etc/debian_version",
      { family: "debian", name: "Debian GNU/Linux", version: "12.5", versionId: "12", codename: "bookworm" },
    ],
    [
      "debian-trixie-sid.debian_version",
      "etc/debian_version",
      { family: "debian", name: "Debian GNU/Linux", version: "trixie/sid", codename: "trixie" },
    ],
    [
      "ubi-9.redhat-release",
      "etc/redhat-release",
      {
        family: "rhel",
        name: "Red Hat Enterprise Linux",
        version: "9.3",
        versionId: "9.3",
        codename: "Plow",
        prettyName: "Red Hat Enterprise Linux release 9.3 (Plow)",
      },
    ],
    [
      "centos-7.centos-release",
      "etc/centos-release",
      {
        family: "centos",
        name: "CentOS Linux",
        version: "7.9.2009",
        versionId: "7.9.2009",
        codename: "Core",
        prettyName: "CentOS Linux release 7.9.2009 (Core)",
      },
    ],
    [
      "centos-stream-9.centos-release",
      "etc/centos-release",
      {
        family: "centos",
        name: "CentOS Stream",
        version: "9",
        versionId: "9",
        prettyName: "CentOS Stream release 9",
      },
    ],
    [
      "rocky-9.3.rocky-release",
      "etc/rocky-release",
      {
        family: "rocky",
        name: "Rocky Linux",
        version: "9.3",
        versionId: "9.3",
        codename: "Blue Onyx",
        prettyName: "Rocky Linux release 9.3 (Blue Onyx)",
      },
    ],
    [
      "almalinux-9.3.almalinux-release",
      "etc/almalinux-release",
      {
        family: "almalinux",
        name: "AlmaLinux",
        version: "9.3",
        versionId: "9.3",
        codename: "Shamrock Pampas Cat",
        prettyName: "AlmaLinux release 9.3 (Shamrock Pampas Cat)",
      },
    ],
    [
      "oraclelinux-9.oracle-release",
      "etc/oracle-release",
      {
        family: "ol",
        name: "Oracle Linux Server",
        version: "9.3",
        versionId: "9.3",
        prettyName: "Oracle Linux Server release 9.3",
      },
    ],
    [
      "fedora-39.fedora-release",
      "etc/fedora-release",
      {
        family: "fedora",
        name: "Fedora",
        version: "39",
        versionId: "39",
        codename: "Thirty Nine",
        prettyName: "Fedora release 39 (Thirty Nine)",
      },
    ],
    [
      "amazonlinux-2.system-release",
      "etc/system-release",
      {
        family: "amzn",
        name: "Amazon Linux",
        version: "2",
        versionId: "2",
        codename: "Karoo",
        prettyName: "Amazon Linux release 2 (Karoo)",
      },
    ],
    [
      "amazonlinux-2023.system-release",
      "etc/system-release",
      {
        family: "amzn",
        name: "Amazon Linux",
        version: "2023.3.20240108",
        versionId: "2023",
        codename: "Amazon Linux",
        prettyName: "Amazon Linux release 2023.3.20240108 (Amazon Linux)",
      },
    ],
    [
      "ubuntu-22.04.lsb-release",
      "etc/lsb-release",
      {
        family: "ubuntu",
        name: "Ubuntu",
        version: "22.04",
        versionId: "22.04",
        codename: "jammy",
        prettyName: "Ubuntu 22.04.4 LTS",
      },
    ],
    [
      "sles-12-sp5.SuSE-release",
      "etc/SuSE-release",
      {
        family: "sles",
        name: "SUSE Linux Enterprise Server",
        version: "12",
        versionId: "12.5",
        prettyName: "SUSE Linux Enterprise Server 12 (x86_64)",
      },
    ],
  ])("%s as %s", (fixture, path, os) => {
    expect(analyzeFixture(fixture, path)).toEqual({ os });
  });

  it("reads an old openSUSE SuSE-release", () => {
    const text = "openSUSE 42.3 (x86_64)\nVERSION = 42.3\nCODENAME = Malachite\n";
    expect(analyzeText(text, "etc/SuSE-release").os).toEqual({
      family: "opensuse-leap",
      name: "openSUSE",
      version: "42.3",
      versionId: "42.3",
      codename: "Malachite",
      prettyName: "openSUSE 42.3 (x86_64)",
    });
  });

  it("reads a redhat-release with CRLF and no trailing newline", () => {
    expect(
      analyzeText("Red Hat Enterprise Linux Server release 7.9 (Maipo)\r\n", "etc/redhat-release").os,
    ).toEqual({
      family: "rhel",
      name: "Red Hat Enterprise Linux Server",
      version: "7.9",
      versionId: "7.9",
      codename: "Maipo",
      prettyName: "Red Hat Enterprise Linux Server release 7.9 (Maipo)",
    });
  });
});

describe("os-release analyzer: unusable files", () => {
  it.each([
    ["", OS_RELEASE],
    ["NAME=Foo\nVERSION_ID=1\n", OS_RELEASE],
    ["ID=\n", OS_RELEASE],
    ["\u0000\u0001\u0002binary", OS_RELEASE],
    ["", "etc/alpine-release"],
    ["not a version\n", "etc/alpine-release"],
    ["", "etc/debian_version"],
    ["12.5 or so\n", "etc/debian_version"],
    ["Some Other Linux release 1.0\n", "etc/redhat-release"],
    ["Red Hat Enterprise Linux\n", "etc/redhat-release"],
    ["DISTRIB_RELEASE=22.04\n", "etc/lsb-release"],
    ["Something 12\nVERSION = 12\n", "etc/SuSE-release"],
    ["SUSE Linux Enterprise Server 12 (x86_64)\n", "etc/SuSE-release"],
  ])("%j in %s gives no OS and a warning", (text, path) => {
    expect(analyzeText(text, path)).toEqual({ warnings: ["no operating system identified"] });
  });
});

describe("osReleaseAnalyzer.required", () => {
  it.each([
    "etc/os-release",
    "usr/lib/os-release",
    "etc/alpine-release",
    "etc/debian_version",
    "etc/redhat-release",
    "etc/centos-release",
    "etc/fedora-release",
    "etc/system-release",
    "etc/lsb-release",
    "etc/SuSE-release",
    "etc/oracle-release",
    "etc/rocky-release",
    "etc/almalinux-release",
  ])("wants %s", (path) => {
    expect(osReleaseAnalyzer.required(path, 100)).toBe(true);
  });

  it.each([
    "/etc/os-release",
    "etc/os-release.d/x",
    "etc/os-release.bak",
    "usr/etc/os-release",
    "etc/system-release-cpe",
    "etc/suse-release",
    "lib/os-release",
    "etc/issue",
  ])("ignores %s", (path) => {
    expect(osReleaseAnalyzer.required(path, 100)).toBe(false);
  });
});
