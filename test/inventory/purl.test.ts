import { describe, expect, it } from "vitest";
import { imagePackageUrl } from "../../lib/inventory/image-purl.js";
import type { OperatingSystem, Package } from "../../lib/inventory/package.js";
import { packageUrl, parsePackageUrl, withPurls } from "../../lib/inventory/purl.js";

/** Expected strings follow the purl-spec type definitions (deb, apk, rpm, oci and the language types). */
const debian12: OperatingSystem = { family: "debian", versionId: "12", codename: "bookworm" };
const ubuntu2204: OperatingSystem = { family: "ubuntu", versionId: "22.04" };
const alpine319: OperatingSystem = { family: "alpine", versionId: "3.19.1" };
const rhel93: OperatingSystem = { family: "rhel", versionId: "9.3" };

describe("packageUrl: OS packages", () => {
  it("deb: namespace from the family, epoch kept in the version, distro <family>-<versionId>", () => {
    expect(
      packageUrl(
        {
          ecosystem: "deb",
          name: "bsdutils",
          version: "1:2.38.1-5+b1",
          arch: "amd64",
          source: { name: "util-linux", version: "2.38.1-5" },
        },
        debian12,
      ),
    ).toBe("pkg:deb/debian/bsdutils@1:2.38.1-5+b1?arch=amd64&distro=debian-12");
    expect(
      packageUrl(
        { ecosystem: "deb", name: "libssl3", version: "3.0.2-0ubuntu1.10", arch: "amd64" },
        ubuntu2204,
      ),
    ).toBe("pkg:deb/ubuntu/libssl3@3.0.2-0ubuntu1.10?arch=amd64&distro=ubuntu-22.04");
  });

  it("deb: the codename stands in for a missing version id; no OS means debian and no distro", () => {
    const libc = { ecosystem: "deb", name: "libc6", version: "2.38-1", arch: "amd64" };
    expect(packageUrl(libc, { family: "debian", codename: "trixie" })).toBe(
      "pkg:deb/debian/libc6@2.38-1?arch=amd64&distro=debian-trixie",
    );
    expect(packageUrl(libc)).toBe("pkg:deb/debian/libc6@2.38-1?arch=amd64");
    // An OS of another package manager says nothing about a stray deb.
    expect(packageUrl(libc, alpine319)).toBe("pkg:deb/debian/libc6@2.38-1?arch=amd64");
  });

  it("apk: alpine, wolfi and chainguard namespaces, distro is the version id", () => {
    expect(
      packageUrl(
        { ecosystem: "apk", name: "musl", version: "1.2.4_git20230717-r4", arch: "x86_64" },
        alpine319,
      ),
    ).toBe("pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=3.19.1");
    expect(
      packageUrl(
        { ecosystem: "apk", name: "glibc", version: "2.38-r1", arch: "x86_64" },
        { family: "wolfi", versionId: "20230201" },
      ),
    ).toBe("pkg:apk/wolfi/glibc@2.38-r1?arch=x86_64&distro=20230201");
    expect(
      packageUrl(
        { ecosystem: "apk", name: "ca-certificates-bundle", version: "20240226-r0" },
        { family: "chainguard" },
      ),
    ).toBe("pkg:apk/chainguard/ca-certificates-bundle@20240226-r0");
  });

  it("rpm: version-release without the epoch, epoch qualifier, distro and the source rpm as upstream", () => {
    expect(
      packageUrl(
        {
          ecosystem: "rpm",
          name: "openssl-libs",
          version: "1:3.0.7-24.el9",
          epoch: 1,
          arch: "x86_64",
          source: { name: "openssl", version: "3.0.7-24.el9" },
        },
        rhel93,
      ),
    ).toBe(
      "pkg:rpm/redhat/openssl-libs@3.0.7-24.el9?arch=x86_64&distro=rhel-9.3&epoch=1&upstream=openssl-3.0.7-24.el9.src.rpm",
    );
  });

  it("rpm: the epoch from the version when the field is absent; epoch 0 is left out", () => {
    expect(
      packageUrl({ ecosystem: "rpm", name: "curl", version: "2:7.76.1-26.el9", arch: "x86_64" }, rhel93),
    ).toBe("pkg:rpm/redhat/curl@7.76.1-26.el9?arch=x86_64&distro=rhel-9.3&epoch=2");
    expect(
      packageUrl(
        { ecosystem: "rpm", name: "curl", version: "7.76.1-26.el9", epoch: 0, arch: "x86_64" },
        rhel93,
      ),
    ).toBe("pkg:rpm/redhat/curl@7.76.1-26.el9?arch=x86_64&distro=rhel-9.3");
  });

  it("rpm: a source rpm file name is used as it is", () => {
    expect(
      packageUrl(
        {
          ecosystem: "rpm",
          name: "bash",
          version: "5.2.15-1.amzn2023.0.2",
          arch: "x86_64",
          source: { name: "bash-5.2.15-1.amzn2023.0.2.src.rpm" },
        },
        { family: "amzn", versionId: "2023" },
      ),
    ).toBe(
      "pkg:rpm/amazon/bash@5.2.15-1.amzn2023.0.2?arch=x86_64&distro=amzn-2023&upstream=bash-5.2.15-1.amzn2023.0.2.src.rpm",
    );
  });

  it.each([
    ["rhel", "redhat"],
    ["centos", "centos"],
    ["rocky", "rocky"],
    ["almalinux", "almalinux"],
    ["fedora", "fedora"],
    ["amzn", "amazon"],
    ["ol", "oracle"],
    ["sles", "suse"],
    ["opensuse-leap", "opensuse"],
    ["opensuse-tumbleweed", "opensuse"],
    ["photon", "photon"],
    ["cbl-mariner", "mariner"],
    ["azurelinux", "azurelinux"],
  ])("rpm: family %s → namespace %s", (family, namespace) => {
    expect(
      packageUrl(
        { ecosystem: "rpm", name: "bash", version: "5.1.8-6", arch: "x86_64" },
        { family, versionId: "9" },
      ),
    ).toBe(`pkg:rpm/${namespace}/bash@5.1.8-6?arch=x86_64&distro=${family}-9`);
  });

  it("rpm: without an OS the vendor names the namespace, else there is none", () => {
    const tzdata = { ecosystem: "rpm", name: "tzdata", version: "2023c-1.el8", arch: "noarch" };
    expect(packageUrl({ ...tzdata, vendor: "Red Hat, Inc." })).toBe(
      "pkg:rpm/redhat/tzdata@2023c-1.el8?arch=noarch",
    );
    expect(packageUrl(tzdata)).toBe("pkg:rpm/tzdata@2023c-1.el8?arch=noarch");
  });
});

describe("packageUrl: language packages", () => {
  it.each<[string, string, string, string]>([
    ["npm", "lodash", "4.17.21", "pkg:npm/lodash@4.17.21"],
    ["npm", "@angular/core", "17.0.1", "pkg:npm/%40angular/core@17.0.1"],
    ["pypi", "Django_REST", "3.0", "pkg:pypi/django-rest@3.0"],
    // The Go analyzer drops the "v" as OSV does; the purl puts it back.
    ["golang", "github.com/sirupsen/logrus", "1.9.3", "pkg:golang/github.com/sirupsen/logrus@v1.9.3"],
    ["golang", "stdlib", "1.21.5", "pkg:golang/stdlib@v1.21.5"],
    ["go", "golang.org/x/net", "v0.17.0", "pkg:golang/golang.org/x/net@v0.17.0"],
    [
      "maven",
      "org.apache.logging.log4j:log4j-core",
      "2.14.1",
      "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
    ],
    ["gem", "rails", "7.1.2", "pkg:gem/rails@7.1.2"],
    ["composer", "laravel/framework", "v10.0.0", "pkg:composer/laravel/framework@v10.0.0"],
    ["cargo", "serde", "1.0.193", "pkg:cargo/serde@1.0.193"],
    ["nuget", "Newtonsoft.Json", "13.0.3", "pkg:nuget/Newtonsoft.Json@13.0.3"],
  ])("%s %s", (ecosystem, name, version, expected) => {
    expect(packageUrl({ ecosystem, name, version })).toBe(expected);
  });

  it("gives undefined for ecosystems without a purl type and for invalid input", () => {
    expect(packageUrl({ ecosystem: "binary", name: "node", version: "20.1.0" })).toBeUndefined();
    expect(packageUrl({ ecosystem: "deb", name: "", version: "1.0" })).toBeUndefined();
  });
});

describe("withPurls", () => {
  const layer = { index: 0, diffID: "sha256:d", digest: "sha256:c" };
  const packages: Package[] = [
    {
      ecosystem: "apk",
      name: "busybox",
      version: "1.36.1-r15",
      arch: "x86_64",
      layer,
      foundIn: "lib/apk/db/installed",
    },
    {
      ecosystem: "apk",
      name: "zlib",
      version: "1.3-r2",
      purl: "pkg:apk/alpine/zlib@1.3-r2",
      layer,
      foundIn: "x",
    },
    { ecosystem: "binary", name: "thing", version: "1", layer, foundIn: "usr/bin/thing" },
  ];

  it("fills missing purls, keeps existing ones and leaves the input alone", () => {
    const out = withPurls(packages, alpine319);
    expect(out.map((p) => p.purl)).toEqual([
      "pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64&distro=3.19.1",
      "pkg:apk/alpine/zlib@1.3-r2",
      undefined,
    ]);
    expect(packages[0]?.purl).toBeUndefined();
    expect(out[1]).toBe(packages[1]);
  });
});

describe("parsePackageUrl", () => {
  it("reads back what packageUrl writes", () => {
    expect(
      parsePackageUrl(
        "pkg:rpm/redhat/openssl-libs@3.0.7-24.el9?arch=x86_64&distro=rhel-9.3&epoch=1&upstream=openssl-3.0.7-24.el9.src.rpm",
      ),
    ).toEqual({
      ecosystem: "rpm",
      namespace: "redhat",
      name: "openssl-libs",
      version: "1:3.0.7-24.el9",
      epoch: 1,
      arch: "x86_64",
      distro: "rhel-9.3",
      source: { name: "openssl", version: "3.0.7-24.el9" },
    });
    expect(parsePackageUrl("pkg:npm/%40angular/core@17.0.1")).toMatchObject({ name: "@angular/core" });
    expect(parsePackageUrl("pkg:golang/github.com/sirupsen/logrus@v1.9.3")).toMatchObject({
      name: "github.com/sirupsen/logrus",
      version: "1.9.3",
    });
    expect(parsePackageUrl("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1")).toMatchObject({
      name: "org.apache.logging.log4j:log4j-core",
    });
  });

  it("reads Trivy's deb epoch qualifier and Syft's upstream qualifier", () => {
    expect(
      parsePackageUrl("pkg:deb/ubuntu/bsdutils@2.31.1-0.4ubuntu3.1?arch=amd64&distro=ubuntu-18.04&epoch=1"),
    ).toMatchObject({ ecosystem: "deb", version: "1:2.31.1-0.4ubuntu3.1", arch: "amd64" });
    expect(
      parsePackageUrl("pkg:deb/debian/bsdutils@1:2.38.1-5%2Bb1?arch=amd64&upstream=util-linux%402.38.1-5"),
    ).toMatchObject({ version: "1:2.38.1-5+b1", source: { name: "util-linux", version: "2.38.1-5" } });
    expect(parsePackageUrl("pkg:apk/alpine/busybox-binsh@1.36.1-r5?upstream=busybox")).toMatchObject({
      source: { name: "busybox" },
    });
  });

  it("gives undefined for what is not a purl", () => {
    expect(parsePackageUrl("not a purl")).toBeUndefined();
    expect(parsePackageUrl("pkg:")).toBeUndefined();
  });
});

describe("imagePackageUrl", () => {
  const digest = `sha256:${"ab".repeat(32)}`;

  it("registry images: last path segment as name, registry/repository as repository_url, tag, arch", () => {
    expect(imagePackageUrl("alpine:3.19", digest, "amd64")).toBe(
      `pkg:oci/alpine@${digest}?arch=amd64&repository_url=docker.io%2Flibrary%2Falpine&tag=3.19`,
    );
    expect(imagePackageUrl(`localhost:5000/team/app@${digest}`, digest)).toBe(
      `pkg:oci/app@${digest}?repository_url=localhost%3A5000%2Fteam%2Fapp`,
    );
  });

  it("local sources have no repository_url; their name comes from the file or the ref name", () => {
    expect(imagePackageUrl("oci:/tmp/My Layout:1.0", digest)).toBe(`pkg:oci/my-layout@${digest}?tag=1.0`);
    expect(imagePackageUrl(`oci:/tmp/layout:${digest}`, digest)).toBe(`pkg:oci/layout@${digest}`);
    expect(imagePackageUrl("oci:/tmp/layout:docker.io/library/debian:12", digest)).toBe(
      `pkg:oci/debian@${digest}?tag=12`,
    );
    expect(imagePackageUrl("docker-archive:/tmp/app.tar:team/app:2", digest)).toBe(
      `pkg:oci/app@${digest}?tag=2`,
    );
    expect(imagePackageUrl("docker-archive:/tmp/app.tar", digest)).toBe(`pkg:oci/app@${digest}`);
  });

  it("needs a digest", () => {
    expect(imagePackageUrl("alpine:3.19", "")).toBeUndefined();
  });
});
