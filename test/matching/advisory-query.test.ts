import { describe, expect, it } from "vitest";
import type { OperatingSystem, Package } from "../../lib/inventory/package.js";
import { advisoryQueries } from "../../lib/matching/advisory-query.js";

const layer = { index: 0, diffID: "sha256:a", digest: "sha256:b" };
const pkg = (p: Partial<Package> & Pick<Package, "ecosystem" | "name" | "version">): Package => ({
  layer,
  foundIn: "x",
  ...p,
});
const os = (family: string, release?: string): OperatingSystem => ({
  family,
  ...(release ? { release } : {}),
});

describe("advisoryQueries", () => {
  it("Debian and Ubuntu: source package and source version, in the release's ecosystem", () => {
    const bsdutils = pkg({
      ecosystem: "deb",
      name: "bsdutils",
      version: "1:2.38.1-5+b1",
      source: { name: "util-linux", version: "2.38.1-5" },
    });
    expect(advisoryQueries(bsdutils, os("debian", "12"))).toEqual([
      { ecosystem: "Debian:12", name: "util-linux", version: "2.38.1-5" },
    ]);
    expect(advisoryQueries(bsdutils, os("ubuntu", "22.04"))[0]?.ecosystem).toBe("Ubuntu:22.04:LTS");
    expect(advisoryQueries(bsdutils, os("ubuntu", "23.10"))[0]?.ecosystem).toBe("Ubuntu:23.10");
  });

  it("Alpine by origin and release; Wolfi and Chainguard without a release", () => {
    const ssl = pkg({
      ecosystem: "apk",
      name: "libssl3",
      version: "3.1.4-r5",
      source: { name: "openssl", version: "3.1.4-r5" },
    });
    expect(advisoryQueries(ssl, os("alpine", "3.19"))).toEqual([
      { ecosystem: "Alpine:v3.19", name: "openssl", version: "3.1.4-r5" },
    ]);
    expect(advisoryQueries(ssl, os("wolfi"))[0]?.ecosystem).toBe("Wolfi");
  });

  it("rpm distributions ask for the binary and the source package", () => {
    const libs = pkg({
      ecosystem: "rpm",
      name: "openssl-libs",
      version: "1:3.0.7-25.el9_3",
      source: { name: "openssl", version: "1:3.0.7-25.el9_3" },
    });
    expect(advisoryQueries(libs, os("rocky", "9")).map((q) => `${q.ecosystem}/${q.name}`)).toEqual([
      "Rocky Linux:9/openssl-libs",
      "Rocky Linux:9/openssl",
    ]);
    expect(advisoryQueries(libs, os("sles", "15.5"))[0]?.ecosystem).toBe(
      "SUSE:Linux Enterprise Server 15 SP5",
    );
    expect(advisoryQueries(libs, os("opensuse-leap", "15.5"))[0]?.ecosystem).toBe("openSUSE:Leap 15.5");
  });

  it("language packages by their ecosystem, never through the OS", () => {
    expect(
      advisoryQueries(pkg({ ecosystem: "pypi", name: "Django", version: "4.2" }), os("debian", "12")),
    ).toEqual([{ ecosystem: "PyPI", name: "Django", version: "4.2" }]);
    expect(
      advisoryQueries(pkg({ ecosystem: "golang", name: "stdlib", version: "1.21.5" }), undefined)[0]
        ?.ecosystem,
    ).toBe("Go");
  });

  it("nothing for owned language packages, unknown distros, missing releases or the Node.js runtime", () => {
    const owned = pkg({
      ecosystem: "pypi",
      name: "requests",
      version: "2.28.1",
      ownedBy: { ecosystem: "deb", name: "python3-requests", version: "2.28.1+dfsg-1" },
    });
    expect(advisoryQueries(owned, os("debian", "12"))).toEqual([]);
    expect(advisoryQueries(pkg({ ecosystem: "deb", name: "x", version: "1" }), os("debian"))).toEqual([]);
    expect(advisoryQueries(pkg({ ecosystem: "deb", name: "x", version: "1" }), undefined)).toEqual([]);
    expect(advisoryQueries(pkg({ ecosystem: "rpm", name: "x", version: "1" }), os("gentoo", "1"))).toEqual(
      [],
    );
    expect(
      advisoryQueries(pkg({ ecosystem: "node", name: "node", version: "20.1.0" }), os("debian", "12")),
    ).toEqual([]);
  });
});
