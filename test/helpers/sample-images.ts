import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type BuiltLayer, buildLayer, type LayerCompression, type LayerEntry } from "./oci-builder.js";

/**
 * Realistic images made from real package databases (test/fixtures/pkgdb, sources in SOURCES.md),
 * used by the end-to-end tests, the CLI tests and the README demo.
 */
const fixtures = fileURLToPath(new URL("../fixtures/", import.meta.url));
const fixture = (path: string) => readFileSync(`${fixtures}${path}`);

const UBUNTU_1804_OS_RELEASE = `NAME="Ubuntu"
VERSION="18.04.6 LTS (Bionic Beaver)"
ID=ubuntu
ID_LIKE=debian
PRETTY_NAME="Ubuntu 18.04.6 LTS"
VERSION_ID="18.04"
HOME_URL="https://www.ubuntu.com/"
SUPPORT_URL="https://help.ubuntu.com/"
BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"
VERSION_CODENAME=bionic
UBUNTU_CODENAME=bionic
`;

/** Splits a dpkg status into stanzas, so a layer can hold a prefix of it (packages added later). */
function statusStanzas(status: Buffer): string[] {
  return status
    .toString("utf8")
    .split(/\n\n+/)
    .filter((s) => s.trim() !== "");
}

export interface SampleImage {
  layers: BuiltLayer[];
  /** Packages the final image must contain, as "name@version". */
  expectedPackages: string[];
  /** Packages deliberately removed by a later layer. */
  removedPackages: string[];
}

/**
 * Ubuntu 18.04 in three layers, the way a Dockerfile builds it:
 * 0 — base: usr/lib/os-release, etc/os-release as a symlink, dpkg status without the last 3 packages;
 * 1 — "apt-get install": the full status (3 packages added) and a long-named file;
 * 2 — "apt-get purge": the status without one package, a whiteout and an opaque directory.
 */
export async function ubuntuSample(compression: LayerCompression = "gzip"): Promise<SampleImage> {
  const stanzas = statusStanzas(fixture("pkgdb/dpkg/ubuntu-18.04.status"));
  const installed = stanzas.filter((s) => /^Status: install ok installed$/m.test(s));
  const purged = installed[5] as string;
  const base = stanzas.slice(0, -3);
  const withApp = stanzas;
  const afterPurge = stanzas.filter((s) => s !== purged);
  const toStatus = (list: string[]) => `${list.join("\n\n")}\n`;

  const layer0: LayerEntry[] = [
    { path: "etc/", type: "dir" },
    { path: "usr/lib/os-release", content: UBUNTU_1804_OS_RELEASE },
    { path: "etc/os-release", type: "symlink", linkname: "../usr/lib/os-release" },
    { path: "etc/debian_version", content: "buster/sid\n" },
    { path: "var/lib/dpkg/status", content: toStatus(base) },
    { path: "usr/bin/true", content: Buffer.alloc(30_000, 0x7f), mode: 0o755 },
    { path: "var/cache/apt/archives/partial/", type: "dir" },
  ];
  const layer1: LayerEntry[] = [
    { path: "var/lib/dpkg/status", content: toStatus(withApp) },
    { path: `opt/app/${"nested/".repeat(20)}config.json`, content: "{}" },
    { path: "var/cache/apt/archives/tool.deb", content: Buffer.alloc(10_000, 1) },
  ];
  const layer2: LayerEntry[] = [
    { path: "var/lib/dpkg/status", content: toStatus(afterPurge) },
    { path: "var/cache/apt/archives/.wh.tool.deb", content: "" },
    { path: "opt/app/.wh..wh..opq", content: "" },
  ];
  const layers = await Promise.all(
    [layer0, layer1, layer2].map((entries) => buildLayer(entries, compression)),
  );
  const nameVersion = (stanza: string) =>
    `${/^Package: (.+)$/m.exec(stanza)?.[1]}@${/^Version: (.+)$/m.exec(stanza)?.[1]}`;
  return {
    layers,
    expectedPackages: afterPurge.filter((s) => installed.includes(s)).map(nameVersion),
    removedPackages: [nameVersion(purged)],
  };
}

/** Alpine 3.18 from osv-scalibr's real installed database, one layer. */
export async function alpineSample(compression: LayerCompression = "gzip"): Promise<SampleImage> {
  const osRelease = `NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.18.4
PRETTY_NAME="Alpine Linux v3.18"
HOME_URL="https://alpinelinux.org/"
BUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"
`;
  const db = fixture("pkgdb/apk/osv-scalibr-alpine-3.18.installed");
  const layer = await buildLayer(
    [
      { path: "etc/os-release", content: osRelease },
      { path: "etc/alpine-release", content: "3.18.4\n" },
      { path: "lib/apk/db/installed", content: db },
    ],
    compression,
  );
  const expected = JSON.parse(
    fixture("pkgdb/apk/osv-scalibr-alpine-3.18.installed.expected.json").toString(),
  ) as Array<{
    name: string;
    version: string;
  }>;
  return {
    layers: [layer],
    expectedPackages: expected.map((p) => `${p.name}@${p.version}`),
    removedPackages: [],
  };
}

/**
 * A distroless-style Debian 11 arm64 image: no os-release, no debian_version, only status.d
 * entries (syft's real libsqlite3-0 entry, and a base-files entry written in Debian's format), so
 * the OS can only be told from the base-files package.
 */
export async function distrolessSample(compression: LayerCompression = "gzip"): Promise<SampleImage> {
  const baseFiles = `Package: base-files
Essential: yes
Priority: required
Section: admin
Installed-Size: 340
Maintainer: Santiago Vila <sanvila@debian.org>
Architecture: arm64
Multi-Arch: foreign
Version: 11.1+deb11u8
Replaces: base, dpkg (<= 1.15.0), miscutils
Provides: base
Pre-Depends: awk
Breaks: debian-security-support (<< 2019.04.25), initscripts (<< 2.88dsf-13.3), sendfile (<< 2.1b.20080616-5.2~)
Description: Debian base system miscellaneous files
 This package contains the basic filesystem hierarchy of a Debian system, and
 several important miscellaneous files, such as /etc/debian_version,
 /etc/host.conf, /etc/issue, /etc/motd, /etc/profile, and others,
 and the text of several common licenses in use on Debian systems.
`;
  const layer = await buildLayer(
    [
      { path: "var/lib/dpkg/status.d/base-files", content: baseFiles },
      {
        path: "var/lib/dpkg/status.d/base-files.md5sums",
        content: "d41d8cd98f00b204e9800998ecf8427e  etc/issue\n",
      },
      {
        path: "var/lib/dpkg/status.d/libsqlite3-0",
        content: fixture("pkgdb/dpkg/syft-distroless-status.d-libsqlite3-0"),
      },
    ],
    compression,
  );
  return {
    layers: [layer],
    expectedPackages: ["base-files@11.1+deb11u8", "libsqlite3-0@3.34.1-3"],
    removedPackages: [],
  };
}

/**
 * Debian 12 with python3-requests installed by apt (its real PKG-INFO, and the dpkg file list that
 * says the package owns it) and a pip-installed six in /usr/local: one owned, one not.
 */
export async function debianPythonSample(compression: LayerCompression = "gzip"): Promise<SampleImage> {
  const eggInfo = "usr/lib/python3/dist-packages/requests-2.28.1.egg-info";
  const status = `Package: python3-requests
Status: install ok installed
Priority: optional
Section: python
Installed-Size: 240
Maintainer: Debian Python Team <team+python@tracker.debian.org>
Architecture: all
Source: requests
Version: 2.28.1+dfsg-1
Depends: python3-certifi, python3-charset-normalizer, python3-idna, python3-urllib3 (>= 1.21.1), python3:any, ca-certificates, python3-chardet (>= 3.0.2)
Description: elegant and simple HTTP library for Python3, built for human beings
 Requests allow you to send HTTP/1.1 requests. You can add headers, form data,
 multipart files, and parameters with simple Python dictionaries, and access the
 response data in the same way.
`;
  const list = [
    "/.",
    "/usr",
    "/usr/lib",
    "/usr/lib/python3",
    "/usr/lib/python3/dist-packages",
    `/${eggInfo}`,
    `/${eggInfo}/PKG-INFO`,
  ].join("\n");
  const layer = await buildLayer(
    [
      { path: "etc/os-release", content: fixture("os-release/debian-12.os-release") },
      { path: "var/lib/dpkg/status", content: status },
      { path: "var/lib/dpkg/info/python3-requests.list", content: `${list}\n` },
      { path: `${eggInfo}/PKG-INFO`, content: fixture(`python/debian/${eggInfo}/PKG-INFO`) },
      {
        path: "usr/local/lib/python3.11/dist-packages/six-1.16.0.egg-info/PKG-INFO",
        content: fixture("python/debian/usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO"),
      },
    ],
    compression,
  );
  return {
    layers: [layer],
    expectedPackages: ["python3-requests@2.28.1+dfsg-1", "requests@2.28.1", "six@1.16.0"],
    removedPackages: [],
  };
}
